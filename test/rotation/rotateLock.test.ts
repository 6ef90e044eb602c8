import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { redisLock } from '../../src/queue/rotateLock.js';

const redis = new Redis({ host: '127.0.0.1', port: 6379 });
const prefix = `kw-test-lock-${randomUUID().slice(0, 8)}`;
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

describe('issue lock', () => {
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
