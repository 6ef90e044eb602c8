// Throttles failed authentication, per client IP and per public key, in the service's own
// database (so a restart or a second instance forgets nothing).
//
// Only failures are counted and only failures are refused: a request with a correct pair
// is never refused by this limiter, whatever its IP or its public key went through. Public
// keys are public, so a limiter that refused a public key's correct pair after N wrong
// guesses would let anyone lock its owner out; and with 178 random bits per secret the
// guesses it lets through are hopeless anyway. What it does is answer an attacker's flood
// with 429 and Retry-After instead of 401.
import type { Database } from './database.js';

export interface RateLimiterOptions {
  /** Failed attempts allowed per window, per IP and per public key (default 20). */
  maxFailures?: number;
  /** Length of a counting window in ms (default one minute). */
  windowMs?: number;
}

/** Expired windows are swept every this many failures (per process). */
const SWEEP_EVERY = 500;

export class AuthRateLimiter {
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private failuresSinceSweep = 0;

  constructor(
    private readonly db: Database,
    options: RateLimiterOptions = {},
  ) {
    this.maxFailures = options.maxFailures ?? 20;
    this.windowMs = options.windowMs ?? 60_000;
  }

  /**
   * Counts one failed attempt against the IP and, for a wrong secret of an existing key,
   * against its public key. Returns the seconds to wait when either is over its limit, else 0.
   */
  async recordFailure(ip: string, publicKey: string | undefined, now: Date): Promise<number> {
    const buckets = publicKey === undefined ? [`ip:${ip}`] : [`ip:${ip}`, `key:${publicKey}`];
    // One statement per failure: a window that has ended starts again at 1.
    const rows = await this.db.query<{ failures: number; window_ends_at: Date }>(
      `INSERT INTO auth_failures (bucket, failures, window_ends_at)
       SELECT bucket, 1, $2::timestamptz FROM unnest($1::text[]) AS bucket
       ON CONFLICT (bucket) DO UPDATE SET
         failures = CASE WHEN auth_failures.window_ends_at <= $3::timestamptz THEN 1 ELSE auth_failures.failures + 1 END,
         window_ends_at = CASE WHEN auth_failures.window_ends_at <= $3::timestamptz THEN $2::timestamptz ELSE auth_failures.window_ends_at END
       RETURNING failures, window_ends_at`,
      [buckets, new Date(now.getTime() + this.windowMs), now],
    );
    if (++this.failuresSinceSweep >= SWEEP_EVERY) {
      this.failuresSinceSweep = 0;
      await this.db.query('DELETE FROM auth_failures WHERE window_ends_at <= $1', [now]);
    }
    let wait = 0;
    for (const row of rows) {
      if (row.failures <= this.maxFailures) continue;
      wait = Math.max(wait, Math.max(1, Math.ceil((new Date(row.window_ends_at).getTime() - now.getTime()) / 1000)));
    }
    return wait;
  }
}
