// The one retry layer for GitHub calls. Where retries happen, and why only here:
//   - every request of an installation client goes through withGitHubRetry (client.ts's
//     request hook). It retries a repeatable call after a 5xx or a network error, and waits
//     out a rate limit, but only for SHORT waits: all of one call's sleeping stays within
//     `budgetMs` (a few seconds), so a worker never sleeps for minutes;
//   - a longer wait is not slept: it is thrown as GitHubRateLimitedError with `retryAt`, and the
//     queue worker (queue/worker.ts) moves the job to the delayed set until then. That is not a
//     failed attempt. The limit is also written to the installation's shared gate
//     (rateLimitGate.ts), so every job of that installation waits instead of calling;
//   - what still fails after the short retries fails the job's attempt, and BullMQ's backoff
//     (queue/queues.ts) retries the job. Report steps do not loop on their own: each job run
//     looks at what GitHub holds before it writes, so a retried job is the retried step;
//   - a write marked `request: { retries: 0 }` (ONE_TRY) is never re-sent after a 5xx or a
//     network error (GitHub may have acted). After a rate limit it may be: GitHub refused it;
//   - a DNS failure is not retried in-process at all: logged once, the attempt fails at once.
// Octokit's own retry plugin is off, and its throttling plugin only spaces writes (client.ts).
import type { RateLimitGate } from './rateLimitGate.js';
import { GitHubRateLimitedError, rateLimitWait } from './rateLimit.js';

export { GitHubRateLimitedError, isRateLimited, rateLimitWait } from './rateLimit.js';

/** The one Octokit method used here: both @octokit/rest and ProbotOctokit instances have it. */
export interface GitHubClient {
  request(route: string, params?: Record<string, unknown>): Promise<{ status: number; data: unknown; headers: Record<string, unknown> }>;
}

export interface GitHubRetryOptions {
  /** Retries of one repeatable call after a 5xx or a network error (default 2). */
  retries?: number;
  baseDelayMs?: number;
  /** Cap of one backoff wait after a 5xx (default 2 s). Rate-limit waits are never capped. */
  maxDelayMs?: number;
  /** All the in-process sleeping one call may do (default 5 s); a longer wait delays the job. */
  budgetMs?: number;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
}

interface CallLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Who is calling: what the call must respect (the installation's gate) and report. */
export interface GitHubCallContext {
  installationId?: number;
  /** "GET /repos/{owner}/{repo}/..." for messages (a route template: no values). */
  route?: string;
  gate?: RateLimitGate;
  log?: CallLog;
  /** False for a write that must not be re-sent after a 5xx or network error (ONE_TRY). */
  repeatable?: boolean;
}

export const DEFAULT_BUDGET_MS = 5_000;
/** In-process waits for short rate limits within one call; more goes to the queue. */
const RATE_LIMIT_WAITS = 2;

/** The resolver could not find the host: waiting seconds in-process will not fix it. */
export class GitHubUnreachableError extends Error {
  readonly code = 'GITHUB_DNS_FAILURE';
  readonly host: string;
  constructor(dns: { code: string; host: string }, route: string | undefined, cause: unknown) {
    super(
      `cannot resolve ${dns.host} (${dns.code}) for ${route ?? 'a GitHub call'}: GitHub is unreachable from this worker; check its DNS, and GITHUB_API_URL / GHE_HOST. The job is retried with the queue's backoff`,
      { cause },
    );
    this.name = 'GitHubUnreachableError';
    this.host = dns.host;
  }
}

/** ENOTFOUND / EAI_AGAIN anywhere in the error's cause chain (Octokit wraps fetch's error as a 500). */
export function dnsFailureOf(err: unknown): { code: string; host: string } | undefined {
  for (let e = err as { code?: unknown; hostname?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    const m = typeof e.message === 'string' ? /getaddrinfo (ENOTFOUND|EAI_AGAIN) (\S+)/.exec(e.message) : null;
    if (e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN') return { code: e.code, host: typeof e.hostname === 'string' ? e.hostname : (m?.[2] ?? 'the host') };
    if (m) return { code: m[1], host: m[2] };
  }
  return undefined;
}

/** Exponential backoff with jitter: a random wait in [ceiling/2, ceiling], ceiling = base * 2^attempt, capped. */
export function jitteredBackoff(attempt: number, baseMs: number, maxMs: number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}

function isTransient(err: unknown): boolean {
  const status = (err as { status?: number }).status;
  // Octokit reports a network error as status 500 without a response; others have no status.
  return status === undefined || status >= 500;
}

export async function withGitHubRetry<T>(call: () => Promise<T>, opts: GitHubRetryOptions = {}, ctx: GitHubCallContext = {}): Promise<T> {
  const retries = opts.retries ?? 2;
  const base = opts.baseDelayMs ?? 500;
  const maxDelay = opts.maxDelayMs ?? 2_000;
  const budget = opts.budgetMs ?? DEFAULT_BUDGET_MS;
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const now = opts.now ?? Date.now;
  const { installationId: id, gate, log, route } = ctx;
  let slept = 0;
  let failures = 0;
  let rateLimitWaits = 0;
  let blockedUntil = 0;
  const pause = async (ms: number) => {
    slept += ms;
    await sleep(ms);
  };
  for (;;) {
    // Known limits first: this job's own, and the installation's shared one.
    const until = Math.max(blockedUntil, gate && id !== undefined ? await gate.limitedUntil(id) : 0);
    const left = until - now();
    if (left > 0) {
      if (slept + left > budget) throw new GitHubRateLimitedError({ retryAt: until, kind: 'secondary', installationId: id, route, known: blockedUntil < until });
      await pause(left);
      continue;
    }
    try {
      return await call();
    } catch (err) {
      failures++;
      const dns = dnsFailureOf(err);
      if (dns) {
        const e = new GitHubUnreachableError(dns, route, err);
        log?.error({ installationId: id, code: e.code, host: dns.host }, e.message);
        throw e;
      }
      let wait = rateLimitWait(err, now());
      if (wait?.rule === 'secondary-backoff' && gate && id !== undefined) wait = rateLimitWait(err, now(), await gate.strike(id));
      if (wait) {
        if (gate && id !== undefined) await gate.limit(id, wait.retryAt);
        blockedUntil = wait.retryAt;
        const long = slept + Math.max(0, wait.retryAt - now()) > budget || rateLimitWaits >= RATE_LIMIT_WAITS;
        log?.warn({ installationId: id, route, kind: wait.kind, rule: wait.rule, retryAt: new Date(wait.retryAt).toISOString() }, long ? 'GitHub rate limit: the job waits in the queue until then' : 'GitHub rate limit: waiting briefly');
        if (long) throw new GitHubRateLimitedError({ retryAt: wait.retryAt, kind: wait.kind, installationId: id, route });
        rateLimitWaits++;
        continue;
      }
      if (!isTransient(err) || ctx.repeatable === false || failures > retries) throw err;
      const backoff = jitteredBackoff(failures - 1, base, maxDelay);
      if (slept + backoff > budget) throw err;
      await pause(backoff);
    }
  }
}
