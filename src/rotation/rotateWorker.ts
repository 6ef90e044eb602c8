// The rotate worker: processRotateJob (the `rotate` queue: roll) and processNotifyJob (the
// `rotate-notify` queue: tell the owner), both in every rotate worker, on queue/worker.ts's
// wiring (lock and stall tuning, failure logs), plus:
// - a custom backoff (`rotate`): exponential with jitter, or the wait the error asks for
//   (REQUEST_IN_PROCESS: a few seconds);
// - SIGTERM closes the worker: jobs in flight get a short grace, then go back to the queue;
// - failed jobs are kept (ROTATE_JOB_OPTIONS.removeOnFail = false): the dead-letter view.
import { Queue, type Job, type Worker } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import { pino, type Logger } from 'pino';
import { openRedis } from '../queue/redis.js';
import { rotationMetrics } from '../queue/metrics.js';
import { NOTIFY_QUEUE, ROTATE_QUEUE, WORKER_LOCK_OPTIONS } from '../queue/queues.js';
import { closeOnSignals, isFinalFailure, startQueueWorker } from '../queue/worker.js';
import { closeWorkerWithin } from '../queue/shutdown.js';
import { redisLock } from '../queue/redisLock.js';
import { processNotifyJob, processRotateJob, type NotifyJobReturn, type RotateJobDeps, type RotateJobReturn } from './rotateAndNotify.js';
import type { RotateJobState } from './rotateJobData.js';
import { RotationError } from './rotator.js';
import { jitteredBackoff } from '../github/retry.js';

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
  /** How long jobs in flight get on close before they go back to the queue (default SHUTDOWN_GRACE_MS). */
  shutdownGraceMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Closed with the worker (the caller's own connections, e.g. its GitHub rate-limit gate's). */
  alsoClose?: () => Promise<unknown>;
  /** Override WORKER_LOCK_OPTIONS (tests, chaos). */
  lock?: Partial<Record<keyof typeof WORKER_LOCK_OPTIONS, number>>;
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
    log,
    lock: opts.lock,
    backoffStrategy: rotateBackoff(opts.backoffBaseMs ?? 1_000, opts.backoffMaxMs ?? 60_000),
    describe: (job: Job<RotateJobState>) => ({ secretHash: job.data.secretHash }),
  };
  const worker = startQueueWorker<RotateJobState, RotateJobReturn>({ ...common, queue: ROTATE_QUEUE, process: (job) => processRotateJob(job, deps), concurrency: opts.concurrency ?? 4 });
  const notifyWorker = startQueueWorker<RotateJobState, NotifyJobReturn>({ ...common, queue: NOTIFY_QUEUE, process: (job) => processNotifyJob(job, deps), concurrency: opts.notifyConcurrency ?? 4 });
  // A notify job that fails for good means an owner who was never told: count it (the failure
  // itself is logged by startQueueWorker), so an alert can fire on it.
  notifyWorker.on('failed', (job, err) => {
    if (job && isFinalFailure(job, err)) deps.metrics?.notifyFailed?.((err.message.match(/^([A-Z][A-Z0-9_]+):/)?.[1]) ?? (err as { code?: string }).code ?? String((err as { status?: number }).status ?? 'error'));
  });

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await Promise.all([closeWorkerWithin(worker, log, opts.shutdownGraceMs), closeWorkerWithin(notifyWorker, log, opts.shutdownGraceMs)]);
      await notifyQueue.close();
      await Promise.allSettled([connection.quit(), lockConnection.quit(), opts.alsoClose?.()]);
    })();
    return closing;
  };
  if (opts.handleSignals ?? true) closeOnSignals(close, log, 'rotate worker');
  return { worker, notifyWorker, close };
}
