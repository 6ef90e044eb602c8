// closeWorkerWithin: a job that finishes within the grace completes; one that is still running
// when the grace ends goes back to wait, with no failed attempt counted, and the close returns.
// Real Redis and BullMQ; the job bodies are promises the test controls.
import { afterAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { Queue, type Job } from 'bullmq';
import { pino } from 'pino';
import { openRedis } from '../../src/queue/redis.js';
import { startQueueWorker } from '../../src/queue/worker.js';
import { closeWorkerWithin, shutdownGraceMs, SHUTDOWN_DEADLINE_MS } from '../../src/queue/shutdown.js';
import { deleteKeysUnder } from '../support/redisKeys.js';

const prefix = `kw-shutdown-${randomUUID().slice(0, 8)}`;
const log = pino({ level: 'silent' });
const queue = new Queue('work', { connection: { host: '127.0.0.1', port: 6379 }, prefix });

afterAll(async () => {
  await queue.close();
  await deleteKeysUnder(prefix);
});

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

async function until(cond: () => Promise<boolean>): Promise<void> {
  while (!(await cond())) await new Promise((r) => setTimeout(r, 20));
}

describe('closeWorkerWithin', () => {
  it('hands a job still running at the end of the grace back to the queue, and lets a quick one finish', async () => {
    const connection = openRedis('redis://127.0.0.1:6379');
    const quickMayFinish = deferred();
    const started = new Set<string>();
    const worker = startQueueWorker<{ kind: string }, string>({
      queue: 'work', prefix, connection, concurrency: 2, log,
      process: async (job: Job<{ kind: string }>) => {
        started.add(job.data.kind);
        if (job.data.kind === 'quick') {
          await quickMayFinish.promise;
          return 'done';
        }
        return new Promise<string>(() => undefined); // hangs (a DNS failure retried for minutes)
      },
    });
    await queue.add('q', { kind: 'quick' }, { jobId: 'quick', attempts: 3 });
    await queue.add('h', { kind: 'hang' }, { jobId: 'hang', attempts: 3 });
    await until(async () => started.size === 2);

    const closing = closeWorkerWithin(worker, log, 300);
    quickMayFinish.resolve();
    await closing;
    await connection.quit();

    expect(await queue.getJobState('quick')).toBe('completed');
    expect(await queue.getJobState('hang')).toBe('waiting');
    const hang = await queue.getJob('hang');
    expect([hang?.attemptsMade, hang?.attemptsStarted, hang?.failedReason ?? '']).toEqual([0, 1, '']);
  });

  it('reads SHUTDOWN_GRACE_SECONDS, kept under the exit deadline', () => {
    expect(shutdownGraceMs({})).toBe(10_000);
    expect(shutdownGraceMs({ SHUTDOWN_GRACE_SECONDS: '3' })).toBe(3_000);
    expect(shutdownGraceMs({ SHUTDOWN_GRACE_SECONDS: 'soon' })).toBe(10_000);
    expect(shutdownGraceMs({ SHUTDOWN_GRACE_SECONDS: '600' })).toBeLessThan(SHUTDOWN_DEADLINE_MS);
  });
});
