// One way to open Redis for BullMQ: `maxRetriesPerRequest: null`, which BullMQ requires for
// workers' blocking commands, so a Redis restart pauses work instead of failing jobs.
import { Redis, type RedisOptions } from 'ioredis';

export function openRedis(redis: string | RedisOptions): Redis {
  return typeof redis === 'string'
    ? new Redis(redis, { maxRetriesPerRequest: null })
    : new Redis({ ...redis, maxRetriesPerRequest: null });
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
