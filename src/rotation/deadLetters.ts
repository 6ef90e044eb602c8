// The dead-letter view: rotate and notify jobs that failed for good (attempts used up, or a
// permanent error such as a 4xx from the key service) stay in BullMQ's failed set, because
// their removeOnFail is false. This lists them and sends them back to their queue.
import { Queue } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import { NOTIFY_QUEUE, ROTATE_QUEUE } from '../queue/queues.js';
import type { RotateJobState } from './rotateJobData.js';
import { openRedis } from '../queue/redis.js';

export interface DeadLetter {
  queue: string;
  id: string;
  repo: string;
  path: string;
  line: number;
  ruleId: string;
  preview: string;
  secretHash: string;
  attemptsMade: number;
  failedReason: string;
  failedAt?: string;
  /** What the key service had answered before the failure, if anything. */
  outcome?: string;
}

export const DEAD_LETTER_QUEUES = [ROTATE_QUEUE, NOTIFY_QUEUE] as const;

export function openRotateQueue(redis: string | RedisOptions, prefix?: string, name: string = ROTATE_QUEUE): Queue<RotateJobState> {
  return new Queue<RotateJobState>(name, { connection: openRedis(redis), ...(prefix ? { prefix } : {}) });
}

export async function listDeadLetters(queue: Queue<RotateJobState>, limit = 100): Promise<DeadLetter[]> {
  const jobs = await queue.getFailed(0, Math.max(0, limit - 1));
  return jobs.map((job) => ({
    queue: queue.name,
    id: String(job.id),
    repo: `${job.data.owner}/${job.data.repo}`,
    path: job.data.path,
    line: job.data.line,
    ruleId: job.data.ruleId,
    preview: job.data.preview,
    secretHash: job.data.secretHash,
    attemptsMade: job.attemptsMade,
    failedReason: job.failedReason,
    failedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : undefined,
    outcome: job.data.rotation?.outcome,
  }));
}

/** Moves failed jobs back to waiting (all of them when `ids` is empty); returns the ids retried. */
export async function retryDeadLetters(queue: Queue<RotateJobState>, ids: string[] = []): Promise<string[]> {
  const jobs = ids.length > 0 ? await Promise.all(ids.map((id) => queue.getJob(id))) : await queue.getFailed(0, -1);
  const retried: string[] = [];
  for (const job of jobs) {
    if (!job) continue;
    if ((await job.getState()) !== 'failed') continue;
    await job.retry('failed');
    retried.push(String(job.id));
  }
  return retried;
}
