// GitHub's rules for a rate-limited answer (docs.github.com, "Rate limits for the REST API",
// "Exceeding the rate limit"), as data: when may this installation call again?
//   - `retry-after` present: not before that many seconds have passed;
//   - `x-ratelimit-remaining: 0` (a primary limit, or a secondary one that says so): not before
//     `x-ratelimit-reset` (UTC epoch seconds);
//   - a secondary limit with neither: wait at least one minute, and longer (exponentially)
//     while it keeps happening.
// Calling while limited can get the integration banned, so the answer is a time, never "soon".

export type RateLimitKind = 'primary' | 'secondary';

export interface RateLimitWait {
  kind: RateLimitKind;
  /** When this installation may call GitHub again (ms since epoch). */
  retryAt: number;
  /** Which of GitHub's rules gave retryAt. */
  rule: 'retry-after' | 'reset' | 'secondary-backoff';
}

interface HttpishError {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, unknown>; data?: unknown };
}

/** The least wait after a secondary limit that names no time: GitHub says "at least one minute". */
export const SECONDARY_MIN_WAIT_MS = 60_000;
/** The exponential backoff of repeated secondary limits stops growing here. */
export const SECONDARY_MAX_WAIT_MS = 30 * 60_000;
/** Past x-ratelimit-reset by this much, so the call lands after the reset, not on it. */
const RESET_MARGIN_MS = 1_000;

function header(e: HttpishError, name: string): string | undefined {
  const v = e.response?.headers?.[name];
  return v === undefined || v === null ? undefined : String(v);
}

function isLimitStatus(e: HttpishError): boolean {
  return e.status === 403 || e.status === 429;
}

function saysSecondary(e: HttpishError): boolean {
  const text = JSON.stringify(e.response?.data ?? '') + (e.message ?? '');
  return /secondary rate limit|abuse detection|abuse mechanism/i.test(text);
}

/** A 403/429 that is a rate limit (primary or secondary), not a refusal. */
export function isRateLimited(err: unknown): boolean {
  const e = err as HttpishError;
  if (!isLimitStatus(e)) return false;
  return header(e, 'retry-after') !== undefined || header(e, 'x-ratelimit-remaining') === '0' || saysSecondary(e);
}

/**
 * When the installation may call again after this answer, or undefined when it is not a rate
 * limit. `strikes`: secondary limits without a time seen in a row before this one (0 first).
 */
export function rateLimitWait(err: unknown, now: number, strikes = 0): RateLimitWait | undefined {
  const e = err as HttpishError;
  if (!isRateLimited(e)) return undefined;
  const primary = header(e, 'x-ratelimit-remaining') === '0' && !saysSecondary(e);
  const kind: RateLimitKind = primary ? 'primary' : 'secondary';
  const retryAfter = Number(header(e, 'retry-after'));
  if (header(e, 'retry-after') !== undefined && Number.isFinite(retryAfter) && retryAfter >= 0) {
    return { kind, retryAt: now + retryAfter * 1000, rule: 'retry-after' };
  }
  const reset = Number(header(e, 'x-ratelimit-reset'));
  if (header(e, 'x-ratelimit-remaining') === '0' && Number.isFinite(reset) && reset > 0) {
    return { kind, retryAt: Math.max(reset * 1000, now) + RESET_MARGIN_MS, rule: 'reset' };
  }
  const wait = Math.min(SECONDARY_MAX_WAIT_MS, SECONDARY_MIN_WAIT_MS * 2 ** Math.max(0, strikes));
  return { kind: 'secondary', retryAt: now + wait, rule: 'secondary-backoff' };
}

/**
 * Thrown instead of waiting when GitHub asks for a longer wait than a job may sleep, or when
 * this installation is already known to be limited. `retryAt` is what the queue worker
 * (queue/worker.ts) moves the job to: a delayed job, not a failed attempt.
 */
export class GitHubRateLimitedError extends Error {
  readonly code = 'GITHUB_RATE_LIMITED';
  readonly retryAt: number;
  readonly installationId?: number;
  readonly kind: RateLimitKind;
  constructor(o: { retryAt: number; kind: RateLimitKind; installationId?: number; route?: string; known?: boolean }) {
    const when = new Date(o.retryAt).toISOString();
    super(
      o.known
        ? `GitHub rate limit: installation ${o.installationId ?? '?'} is limited until ${when}; not calling ${o.route ?? 'GitHub'} before then`
        : `GitHub ${o.kind} rate limit on ${o.route ?? 'a call'}: no call for installation ${o.installationId ?? '?'} before ${when}`,
    );
    this.name = 'GitHubRateLimitedError';
    this.retryAt = o.retryAt;
    this.kind = o.kind;
    this.installationId = o.installationId;
  }
}
