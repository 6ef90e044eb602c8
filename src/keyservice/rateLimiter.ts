// Throttles failed authentication, per client IP and per public key, in memory.
//
// Public keys are public, so a limiter that simply locked a public key after N failures
// would let anyone lock its owner out. Instead, once a bucket is over its limit, only
// callers that have not authenticated recently with that (IP, public key) are refused:
// a valid caller keeps working while guesses from its IP or against its key are throttled.

export interface RateLimiterOptions {
  /** Failed attempts allowed per window, per IP and per public key. */
  maxFailures?: number;
  windowMs?: number;
  /** How long a successful (IP, public key) stays exempt. */
  trustMs?: number;
  now?: () => Date;
}

interface Bucket {
  count: number;
  resetAt: number;
}

const MAX_ENTRIES = 100_000;

export class AuthRateLimiter {
  private readonly failuresByIp = new Map<string, Bucket>();
  private readonly failuresByPublicKey = new Map<string, Bucket>();
  private readonly trusted = new Map<string, number>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly trustMs: number;
  private readonly now: () => Date;

  constructor(options: RateLimiterOptions = {}) {
    this.maxFailures = options.maxFailures ?? 20;
    this.windowMs = options.windowMs ?? 60_000;
    this.trustMs = options.trustMs ?? 3_600_000;
    this.now = options.now ?? (() => new Date());
  }

  /** Seconds the caller must wait, or 0 when the attempt may proceed. */
  retryAfterSeconds(ip: string, publicKey: string | undefined): number {
    const t = this.now().getTime();
    if (publicKey !== undefined) {
      const trustedUntil = this.trusted.get(pairKey(ip, publicKey));
      if (trustedUntil !== undefined && trustedUntil > t) return 0;
    }
    const waits = [this.overLimitFor(this.failuresByIp, ip, t)];
    if (publicKey !== undefined) waits.push(this.overLimitFor(this.failuresByPublicKey, publicKey, t));
    return Math.max(...waits);
  }

  recordFailure(ip: string, publicKey: string | undefined): void {
    const t = this.now().getTime();
    this.bump(this.failuresByIp, ip, t);
    if (publicKey !== undefined) this.bump(this.failuresByPublicKey, publicKey, t);
  }

  recordSuccess(ip: string, publicKey: string): void {
    if (this.trusted.size >= MAX_ENTRIES) this.trusted.clear();
    this.trusted.set(pairKey(ip, publicKey), this.now().getTime() + this.trustMs);
  }

  private overLimitFor(buckets: Map<string, Bucket>, id: string, t: number): number {
    const bucket = buckets.get(id);
    if (!bucket || bucket.resetAt <= t || bucket.count < this.maxFailures) return 0;
    return Math.max(1, Math.ceil((bucket.resetAt - t) / 1000));
  }

  private bump(buckets: Map<string, Bucket>, id: string, t: number): void {
    const bucket = buckets.get(id);
    if (!bucket || bucket.resetAt <= t) {
      if (buckets.size >= MAX_ENTRIES) buckets.clear();
      buckets.set(id, { count: 1, resetAt: t + this.windowMs });
    } else {
      bucket.count++;
    }
  }
}

const pairKey = (ip: string, publicKey: string): string => `${ip}\n${publicKey}`;
