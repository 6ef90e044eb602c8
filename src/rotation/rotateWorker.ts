// The rotate worker: BullMQ wiring around processRotateJob (the `rotate` queue: roll) and
// processNotifyJob (the `rotate-notify` queue: tell the owner), both in every rotate worker.
// - ioredis with maxRetriesPerRequest: null, as BullMQ requires for blocking commands, so a
//   Redis restart pauses the worker instead of failing jobs;
// - WORKER_LOCK_OPTIONS: a job whose worker was killed is picked up again within ~10 s;
// - a custom backoff (`rotate`): exponential with jitter, or the wait the error asks for
//   (REQUEST_IN_PROCESS: a few seconds);
// - SIGTERM closes the worker, which waits for in-flight jobs to finish;
// - failed jobs are kept (ROTATE_JOB_OPTIONS.removeOnFail = false): the dead-letter view.
import { Queue, Worker, type Job } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import { openRedis } from '../queue/redis.js';
import { rotationMetrics } from '../queue/metrics.js';
import { pino, type Logger } from 'pino';
import { ROTATE_QUEUE, WORKER_LOCK_OPTIONS } from '../queue/queues.js';
import { NOTIFY_QUEUE, processNotifyJob, processRotateJob, type NotifyJobReturn, type RotateJobDeps, type RotateJobReturn, type RotateJobState } from './rotateAndNotify.js';
import { redisLock } from '../queue/redisLock.js';
import { RotationError } from './rotator.js';
import { jitteredBackoff, type GitHubRetryOptions } from '../github/retry.js';

export const ROTATE_BACKOFF_TYPE = 'rotate';

export interface RotateWorkerOptions extends Omit<RotateJobDeps, 'log' | 'withLock' | 'notifyQueue'> {
  /** redis://… URL or ioredis options. */
  redis: string | RedisOptions;
  /** BullMQ key prefix (tests use a unique one per file). */
  prefix?: string;
  concurrency?: number;
  /** Parallel owner notifications (GitHub paces content creation anyway). */
  notifyConcurrency?: number;
  log?: Logger;
  /** Install a SIGTERM/SIGINT handler that closes the worker gracefully (default true). */
  handleSignals?: boolean;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  githubRetry?: GitHubRetryOptions;
  /** Override WORKER_LOCK_OPTIONS (tests, chaos). */
  lock?: Partial<typeof WORKER_LOCK_OPTIONS>;
}

export interface RotateWorkerHandle {
  worker: Worker<RotateJobState, RotateJobReturn>;
  notifyWorker: Worker<RotateJobState, NotifyJobReturn>;
  close(): Promise<void>;
}

/** Backoff for rotate jobs: the error's own wait when it names one, else exponential + jitter. */
export function rotateBackoff(baseMs: number, maxMs: number) {
  return (attemptsMade: number, _type?: string, err?: Error): number => {
    if (err instanceof RotationError && err.retryAfterMs !== undefined) return err.retryAfterMs;
    const retryAfter = (err as { retryAfterMs?: unknown } | undefined)?.retryAfterMs;
    if (typeof retryAfter === 'number') return retryAfter;
    return jitteredBackoff(Math.max(0, attemptsMade - 1), baseMs, maxMs);
  };
}

export function startRotateWorker(opts: RotateWorkerOptions): RotateWorkerHandle {
  const log = opts.log ?? pino({ name: 'keywarden-rotate' });
  const connection = openRedis(opts.redis);
  const lockConnection = openRedis(opts.redis);
  const prefix = opts.prefix ?? 'bull';
  const notifyQueue = new Queue<RotateJobState>(NOTIFY_QUEUE, { connection: lockConnection, prefix });
  const deps: RotateJobDeps = {
    ...opts,
    metrics: opts.metrics ?? rotationMetrics,
    log,
    notifyQueue,
    withLock: redisLock(lockConnection, { prefix: `${prefix}:keywarden` }),
  };
  const common = {
    connection,
    prefix,
    ...WORKER_LOCK_OPTIONS,
    ...opts.lock,
    settings: { backoffStrategy: rotateBackoff(opts.backoffBaseMs ?? 1_000, opts.backoffMaxMs ?? 60_000) },
  };
  const worker = new Worker<RotateJobState, RotateJobReturn>(ROTATE_QUEUE, (job: Job<RotateJobState>) => processRotateJob(job, deps), {
    ...common,
    concurrency: opts.concurrency ?? 4,
  });
  const notifyWorker = new Worker<RotateJobState, NotifyJobReturn>(NOTIFY_QUEUE, (job: Job<RotateJobState>) => processNotifyJob(job, deps), {
    ...common,
    concurrency: opts.notifyConcurrency ?? 4,
  });

  for (const w of [worker, notifyWorker] as Worker<RotateJobState>[]) {
    w.on('failed', (job, err) => {
      if (!job) return;
      const final = job.attemptsMade >= (job.opts.attempts ?? 1) || err.name === 'UnrecoverableError';
      log[final ? 'error' : 'warn'](
        { queue: w.name, jobId: job.id, secretHash: job.data.secretHash, attempt: job.attemptsMade, code: (err as { code?: string }).code, final },
        final ? `${w.name} failed for good (dead-letter): ${err.message}` : `${w.name} attempt failed, will retry: ${err.message}`,
      );
    });
    w.on('error', (err) => log.warn({ queue: w.name, err: { message: err.message, name: err.name } }, 'rotate worker connection error'));
  }

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await Promise.all([worker.close(), notifyWorker.close()]);
      await notifyQueue.close();
      await Promise.allSettled([connection.quit(), lockConnection.quit()]);
    })();
    return closing;
  };
  if (opts.handleSignals ?? true) {
    const onSignal = (signal: NodeJS.Signals) => {
      log.info({ signal }, 'rotate worker: finishing in-flight jobs, then exiting');
      void close().then(() => process.exit(0));
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
  return { worker, notifyWorker, close };
}
