// GitHub's secret-scanning signing keys, from GET <api>/meta/public_keys/secret_scanning:
//   {"public_keys":[{"key_identifier":"<hex>","key":"-----BEGIN PUBLIC KEY-----…","is_current":true}]}
//
// Kept in memory. A request naming an identifier we do not hold triggers a refetch, but
// fetches are spaced at least `minFetchIntervalMs` apart (one a minute) and shared by
// concurrent callers, so a flood of made-up identifiers costs GitHub one request a minute.
// The cache is also refreshed (same spacing) once it is older than `maxAgeMs`, so a key that
// GitHub withdraws stops being accepted.
import { createPublicKey, type KeyObject } from 'node:crypto';

export const DEFAULT_GITHUB_API_URL = 'https://api.github.com';
export const PUBLIC_KEYS_PATH = '/meta/public_keys/secret_scanning';

export interface GitHubSigningKey {
  identifier: string;
  key: KeyObject;
  isCurrent: boolean;
}

export interface GitHubKeysOptions {
  /** GitHub API base URL: KEYSERVICE_GITHUB_API_URL, default https://api.github.com (GHES: https://HOST/api/v3). */
  apiUrl?: string;
  /** Optional token (no scopes needed) that lifts GitHub's unauthenticated rate limit. */
  token?: string;
  now: () => Date;
  minFetchIntervalMs?: number;
  maxAgeMs?: number;
  timeoutMs?: number;
}

export class GitHubSigningKeys {
  private keys = new Map<string, GitHubSigningKey>();
  private fetchedAt: number | undefined;
  private lastAttemptAt: number | undefined;
  private inFlight: Promise<void> | undefined;
  private readonly url: string;
  private readonly minFetchIntervalMs: number;
  private readonly maxAgeMs: number;
  /** How many times the key list was requested (for tests and metrics). */
  fetchCount = 0;

  constructor(private readonly options: GitHubKeysOptions) {
    this.url = `${(options.apiUrl ?? DEFAULT_GITHUB_API_URL).replace(/\/+$/, '')}${PUBLIC_KEYS_PATH}`;
    this.minFetchIntervalMs = options.minFetchIntervalMs ?? 60_000;
    this.maxAgeMs = options.maxAgeMs ?? 3_600_000;
  }

  /** The key for `identifier`, refetching (rate-limited) when it is unknown or the list is old. */
  async find(identifier: string): Promise<GitHubSigningKey | undefined> {
    const now = this.options.now().getTime();
    const stale = this.fetchedAt === undefined || now - this.fetchedAt >= this.maxAgeMs;
    if (stale || !this.keys.has(identifier)) await this.refresh(now);
    return this.keys.get(identifier);
  }

  private async refresh(now: number): Promise<void> {
    if (this.inFlight) return this.inFlight;
    if (this.lastAttemptAt !== undefined && now - this.lastAttemptAt < this.minFetchIntervalMs) return;
    this.lastAttemptAt = now;
    this.inFlight = this.fetchKeys()
      .then((keys) => {
        this.keys = keys;
        this.fetchedAt = now;
      })
      // A failed fetch keeps the keys we had: GitHub being briefly unreachable must not
      // turn every genuine report into a 401 for longer than the list would have lived.
      .catch(() => undefined)
      .finally(() => {
        this.inFlight = undefined;
      });
    return this.inFlight;
  }

  private async fetchKeys(): Promise<Map<string, GitHubSigningKey>> {
    this.fetchCount++;
    const headers: Record<string, string> = { accept: 'application/vnd.github+json', 'user-agent': 'keywarden-keyservice' };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    const res = await fetch(this.url, { headers, signal: AbortSignal.timeout(this.options.timeoutMs ?? 5_000) });
    if (!res.ok) {
      await res.arrayBuffer().catch(() => undefined);
      throw new Error(`GET ${this.url} answered ${res.status}`);
    }
    const body = (await res.json()) as { public_keys?: unknown };
    if (!Array.isArray(body.public_keys)) throw new Error(`GET ${this.url}: no public_keys array`);
    const keys = new Map<string, GitHubSigningKey>();
    for (const entry of body.public_keys as Array<Record<string, unknown>>) {
      if (typeof entry.key_identifier !== 'string' || typeof entry.key !== 'string') continue;
      try {
        const key = createPublicKey(entry.key);
        if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') continue;
        keys.set(entry.key_identifier, { identifier: entry.key_identifier, key, isCurrent: entry.is_current === true });
      } catch {
        // One unreadable entry must not cost us the others.
      }
    }
    return keys;
  }
}
