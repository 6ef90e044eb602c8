// Leaks found by the installation baseline scan, per repository, in Redis: pull requests
// don't comment on them again. Members are leak ids (path:rule:hash16), never secrets.
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
}
