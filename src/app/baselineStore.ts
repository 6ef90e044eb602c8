// Leaks found by the installation baseline scan, per repository, in Redis: pull requests
// don't comment on them again. Members are leak ids (path:rule:hash16), never secrets.
// Forgotten when the repository leaves the installation (or the App is uninstalled), so a
// repository added again gets a baseline of its own instead of the old one's leftovers.
import type { Redis } from 'ioredis';

export class BaselineStore {
  constructor(private readonly redis: Redis, private readonly prefix: string) {}

  private key(owner: string, repo: string): string {
    return `${this.prefix}:keywarden:baseline:${owner}/${repo}`;
  }

  async add(owner: string, repo: string, leakIds: Iterable<string>): Promise<void> {
    const ids = [...new Set(leakIds)];
    for (let i = 0; i < ids.length; i += 1000) await this.redis.sadd(this.key(owner, repo), ...ids.slice(i, i + 1000));
  }

  async get(owner: string, repo: string): Promise<Set<string>> {
    return new Set(await this.redis.smembers(this.key(owner, repo)));
  }

  /** Forgets the baseline of each repository; returns how many had one. */
  async forget(repos: ReadonlyArray<{ owner: string; repo: string }>): Promise<number> {
    if (repos.length === 0) return 0;
    return this.redis.del(...repos.map((r) => this.key(r.owner, r.repo)));
  }

  /**
   * Forgets every repository baseline of an account: an App is installed at most once per
   * account, so these are exactly the uninstalled installation's. (Logins and repository
   * names hold no glob characters: payload.ts's isValidName.)
   */
  async forgetAccount(owner: string): Promise<number> {
    let cursor = '0';
    let gone = 0;
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', this.key(owner, '*'), 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) gone += await this.redis.del(...keys);
    } while (cursor !== '0');
    return gone;
  }
}
