import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { redisLock } from '../../src/queue/redisLock.js';

const redis = new Redis({ host: '127.0.0.1', port: 6379 });
const prefix = `kw-test-lock-${randomUUID().slice(0, 8)}`;
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

describe('redis lock', () => {
  it('holds the key with its own token and a TTL while fn runs, returns its value, and frees the key after', async () => {
    const withLock = redisLock(redis, { prefix, ttlMs: 2_000 });
    const seen = await withLock('acquire', async () => ({ token: await redis.get(`${prefix}:lock:acquire`), pttl: await redis.pttl(`${prefix}:lock:acquire`) }));
    expect(seen.token).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen.pttl).toBeGreaterThan(0);
    expect(seen.pttl).toBeLessThanOrEqual(2_000);
    expect(await redis.exists(`${prefix}:lock:acquire`)).toBe(0);
    // Freed when fn throws too.
    await expect(withLock('acquire', async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    expect(await redis.exists(`${prefix}:lock:acquire`)).toBe(0);
  });

  it('lets one of many contenders in at a time', async () => {
    const withLock = redisLock(redis, { prefix, ttlMs: 1_000 });
    let inside = 0;
    let most = 0;
    const runs = Array.from({ length: 5 }, (_, n) => withLock('contended', async () => {
      most = Math.max(most, ++inside);
      await new Promise((r) => setTimeout(r, 30));
      inside--;
      return n;
    }));
    expect((await Promise.all(runs)).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(most).toBe(1);
  });

  it('a holder whose lock ran out neither extends nor frees the next holder\'s lock', async () => {
    const name = `${prefix}:lock:taken-over`;
    const withLock = redisLock(redis, { prefix, ttlMs: 150 });
    await withLock('taken-over', async () => {
      // As if this holder stalled past its TTL and another worker took the lock.
      await redis.set(name, 'next-holder', 'PX', 5_000);
      // Several keep-alive ticks (every 50 ms) pass: none may shorten the next holder's TTL.
      await new Promise((r) => setTimeout(r, 300));
    });
    expect(await redis.get(name)).toBe('next-holder');
    expect(await redis.pttl(name)).toBeGreaterThan(4_000);
    await redis.del(name);
  });

  it('keeps out a second holder for as long as the first works, even past the TTL', async () => {
    const withLock = redisLock(redis, { prefix, ttlMs: 150 });
    const trace: string[] = [];
    const slow = withLock('k', async () => {
      trace.push('a-in');
      await new Promise((r) => setTimeout(r, 700));
      trace.push('a-out');
    });
    await new Promise((r) => setTimeout(r, 20));
    const second = withLock('k', async () => void trace.push('b-in'));
    await Promise.all([slow, second]);
    expect(trace).toEqual(['a-in', 'a-out', 'b-in']);
    expect(await redis.exists(`${prefix}:lock:k`)).toBe(0);
  });

  it('a holder that died stops blocking once its TTL runs out', async () => {
    await redis.set(`${prefix}:lock:dead`, 'someone-else', 'PX', 200);
    const withLock = redisLock(redis, { prefix, ttlMs: 200 });
    expect(await withLock('dead', async () => 'ran')).toBe('ran');
  });

  it('a waiter gives up after waitMs with a retryable error', async () => {
    await redis.set(`${prefix}:lock:busy`, 'someone-else', 'PX', 5_000);
    const withLock = redisLock(redis, { prefix, waitMs: 100 });
    await expect(withLock('busy', async () => 'never')).rejects.toMatchObject({ code: 'LOCK_TIMEOUT' });
  });
});
