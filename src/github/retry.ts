// GitHub calls (app and rotation) retry 5xx answers and secondary rate limits (403/429,
// honouring retry-after) with exponential backoff and jitter. Probot's throttling plugin only
// logs a secondary limit; here the call is repeated, so an issue is never lost to one.

/** The one Octokit method used here: both @octokit/rest and ProbotOctokit instances have it. */
export interface GitHubClient {
  request(route: string, params?: Record<string, unknown>): Promise<{ status: number; data: unknown; headers: Record<string, unknown> }>;
}

export interface GitHubRetryOptions {
  retries?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

interface HttpishError {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, unknown>; data?: unknown };
}

export function isSecondaryRateLimit(err: HttpishError): boolean {
  if (err.status !== 403 && err.status !== 429) return false;
  const headers = err.response?.headers ?? {};
  if (headers['retry-after'] !== undefined) return true;
  if (headers['x-ratelimit-remaining'] === '0') return true;
  const data = JSON.stringify(err.response?.data ?? '') + (err.message ?? '');
  return /secondary rate limit|abuse/i.test(data);
}

function retryAfterMs(err: HttpishError): number | undefined {
  const v = err.response?.headers?.['retry-after'];
  const seconds = Number(v);
  return Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : undefined;
}

/** Exponential backoff with full jitter: a random wait in [0, base * 2^attempt], capped. */
export function jitteredBackoff(attempt: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

export async function withGitHubRetry<T>(call: () => Promise<T>, opts: GitHubRetryOptions = {}): Promise<T> {
  const retries = opts.retries ?? 5;
  const base = opts.baseDelayMs ?? 500;
  const max = opts.maxDelayMs ?? 30_000;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const e = err as HttpishError;
      const transient = (e.status !== undefined && e.status >= 500) || isSecondaryRateLimit(e) || e.status === undefined;
      if (!transient || attempt >= retries) throw err;
      const wait = Math.max(retryAfterMs(e) ?? 0, jitteredBackoff(attempt, base, max));
      await sleep(Math.min(wait, max));
    }
  }
}
