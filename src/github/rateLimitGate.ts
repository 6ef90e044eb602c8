// One "limited until" per installation, shared by every worker process through Redis. A
// rate limit seen by one job stops all calls for that installation until GitHub's time: the
// other jobs are delayed instead of calling (GitHub may ban an integration that keeps calling
// while limited). Rate limits are per installation token, so the key is the installation id.
import type { Redis } from 'ioredis';

export interface RateLimitGate {
  /** When this installation may call GitHub again (ms since epoch); 0 when it is not limited. */
  limitedUntil(installationId: number): Promise<number>;
  /** Records a limit; a later `until` wins over an earlier one, never the reverse. */
  limit(installationId: number, until: number): Promise<void>;
  /** Counts a secondary limit that named no time; returns how many came before it in a row. */
  strike(installationId: number): Promise<number>;
}

/** How long a limit is remembered after it ends: secondary limits within it count as "in a row". */
export const STRIKE_MEMORY_MS = 15 * 60_000;

// Keeps the later of the stored and the new time, and the key alive past it.
const LIMIT_SCRIPT = `
local cur = tonumber(redis.call('HGET', KEYS[1], 'until') or '0')
local new = tonumber(ARGV[1])
if new > cur then redis.call('HSET', KEYS[1], 'until', ARGV[1]) else new = cur end
redis.call('PEXPIREAT', KEYS[1], new + tonumber(ARGV[2]))
return new
`;

// Until limit() sets the real expiry, a strike alone is not remembered for ever.
const STRIKE_SCRIPT = `
local n = redis.call('HINCRBY', KEYS[1], 'strikes', 1)
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1])) end
return n
`;

export function redisRateLimitGate(redis: Redis, prefix: string): RateLimitGate {
  const key = (installationId: number) => `${prefix}:keywarden:github-limited:${installationId}`;
  return {
    async limitedUntil(installationId) {
      const until = Number(await redis.hget(key(installationId), 'until'));
      return Number.isFinite(until) ? until : 0;
    },
    async limit(installationId, until) {
      await redis.eval(LIMIT_SCRIPT, 1, key(installationId), String(Math.ceil(until)), String(STRIKE_MEMORY_MS));
    },
    async strike(installationId) {
      const n = Number(await redis.eval(STRIKE_SCRIPT, 1, key(installationId), String(STRIKE_MEMORY_MS)));
      return n - 1;
    },
  };
}

/** The gate of one process only (tests, a single worker without Redis). */
export function memoryRateLimitGate(now: () => number = Date.now): RateLimitGate {
  const state = new Map<number, { until: number; strikes: number; expires: number }>();
  const get = (id: number) => {
    const s = state.get(id);
    if (s && s.expires <= now()) state.delete(id);
    return state.get(id);
  };
  return {
    async limitedUntil(id) {
      return get(id)?.until ?? 0;
    },
    async limit(id, until) {
      const s = get(id) ?? { until: 0, strikes: 0, expires: 0 };
      s.until = Math.max(s.until, until);
      s.expires = s.until + STRIKE_MEMORY_MS;
      state.set(id, s);
    },
    async strike(id) {
      const s = get(id) ?? { until: 0, strikes: 0, expires: now() + STRIKE_MEMORY_MS };
      state.set(id, s);
      return s.strikes++;
    },
  };
}
