// A short Redis lock around a look-then-write against GitHub, so that two jobs doing the same
// report cannot both look, both miss and both create: two rotate jobs for the same key (the
// key leaked in two files) and one issue, or two runs of one scan (a stalled job picked up
// again while its first run still goes on) and one check run and one review. SET NX PX with
// a random token: the lock expires by itself, so a worker killed while holding it delays the
// other job by at most `ttlMs`; a live holder keeps extending it, because GitHub's pacing of
// writes can make the work inside take longer than any fixed TTL; and only the token's owner
// extends or releases it (compare-and-delete in Lua), so a holder whose lock ran out never
// frees the next holder's.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

export interface RedisLockOptions {
  prefix: string;
  ttlMs?: number;
  waitMs?: number;
}

export function redisLock(redis: Redis, opts: RedisLockOptions) {
  const ttl = opts.ttlMs ?? 30_000;
  // A waiter gives up (and its job retries later) rather than hold a worker slot forever.
  const maxWait = opts.waitMs ?? 120_000;
  return async function withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const name = `${opts.prefix}:lock:${key}`;
    const token = randomUUID();
    const started = Date.now();
    for (let delay = 25; ; delay = Math.min(delay * 2, 500)) {
      if ((await redis.set(name, token, 'PX', ttl, 'NX')) === 'OK') break;
      if (Date.now() - started > maxWait) {
        throw Object.assign(new Error(`lock ${key} still held after ${maxWait} ms; the job will be retried`), { code: 'LOCK_TIMEOUT' });
      }
      await new Promise((r) => setTimeout(r, delay));
    }
    const keepAlive = setInterval(() => void redis.eval(EXTEND, 1, name, token, ttl).catch(() => undefined), Math.max(50, Math.floor(ttl / 3)));
    try {
      return await fn();
    } finally {
      clearInterval(keepAlive);
      await redis.eval(RELEASE, 1, name, token).catch(() => undefined);
    }
  };
}
