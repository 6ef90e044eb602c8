// One way to open Redis for BullMQ: `maxRetriesPerRequest: null`, which BullMQ requires for
// workers' blocking commands, so a Redis restart pauses work instead of failing jobs.
import { Redis, type RedisOptions } from 'ioredis';

export function openRedis(redis: string | RedisOptions): Redis {
  return typeof redis === 'string'
    ? new Redis(redis, { maxRetriesPerRequest: null })
    : new Redis({ ...redis, maxRetriesPerRequest: null });
}

/**
 * A connection for producers that answer someone waiting (the webhook receiver): while Redis
 * is unreachable a command fails at once (no offline queue) or after a short timeout, instead
 * of waiting in memory, so the webhook is answered 503 and GitHub records a failed delivery
 * that can be redelivered. Never for workers: their blocking commands need the defaults above.
 */
export const PRODUCER_COMMAND_TIMEOUT_MS = 2_000;

export function openProducerRedis(redis: string | RedisOptions): Redis {
  const failFast: RedisOptions = { enableOfflineQueue: false, commandTimeout: PRODUCER_COMMAND_TIMEOUT_MS, maxRetriesPerRequest: 1, connectTimeout: PRODUCER_COMMAND_TIMEOUT_MS };
  return typeof redis === 'string' ? new Redis(redis, failFast) : new Redis({ ...redis, ...failFast });
}

export class RedisUnavailableError extends Error {
  readonly code = 'REDIS_UNAVAILABLE';
  constructor(message: string) {
    super(message);
    this.name = 'RedisUnavailableError';
  }
}

/**
 * Runs a producer's Redis work only while the connection is up, and gives up after a short
 * time: BullMQ waits for a connection to become ready before any command (however the client
 * is set up), so without this a `Queue.add` during an outage hangs until Redis is back. A
 * call given up on may still land later; callers use deterministic job ids, so that is safe.
 */
export async function whileRedisUp<T>(conn: Redis, fn: () => Promise<T>, timeoutMs = PRODUCER_COMMAND_TIMEOUT_MS): Promise<T> {
  if (conn.status !== 'ready') throw new RedisUnavailableError(`Redis is not connected (${conn.status})`);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new RedisUnavailableError(`Redis did not answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([fn(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';
