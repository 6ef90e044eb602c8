// Removes a test suite's BullMQ keys (everything under its prefix) from the shared Redis.
import { Redis } from 'ioredis';

export async function deleteKeysUnder(prefix: string): Promise<void> {
  const redis = new Redis({ host: '127.0.0.1', port: 6379 });
  try {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
  } finally {
    await redis.quit();
  }
}
