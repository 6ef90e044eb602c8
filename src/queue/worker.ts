// One BullMQ worker, wired the same way for every queue. The job body is passed in
// (`process`): this folder moves jobs, it does not know what they do.
// - the connection comes from openRedis (maxRetriesPerRequest: null), so a Redis restart
//   pauses work instead of failing jobs;
// - WORKER_LOCK_OPTIONS: a pause of a few seconds does not run a job twice (see there);
// - on close, jobs in flight get a short grace, then go back to the queue (queue/shutdown.ts);
// - a failure is logged once, as "will retry" or "failed for good" (attempts used up, or an
//   UnrecoverableError: the job stays in the failed set, the dead-letter view);
// - a job body that throws an error carrying `retryAt` (ms since epoch; e.g. a GitHub rate
//   limit, github/rateLimit.ts) is not failed: it is moved to the delayed set until then
//   (BullMQ's moveToDelayed + DelayedError), so the worker slot is free at once and the wait
//   does not use up an attempt. After MAX_DELAYS such delays it fails for good.
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { WORKER_LOCK_OPTIONS } from './queues.js';
import { exitOnSignals, InFlightJobs, trackInFlight } from './shutdown.js';

export type BackoffStrategy = (attemptsMade: number, type?: string, err?: Error) => number;

export interface QueueWorkerOptions<D, R> {
  queue: string;
  process: (job: Job<D>) => Promise<R>;
  connection: Redis;
  prefix: string;
  concurrency: number;
  log: Logger;
  /** Override WORKER_LOCK_OPTIONS (tests, chaos). */
  lock?: Partial<Record<keyof typeof WORKER_LOCK_OPTIONS, number>>;
  /** The strategy behind `backoff: { type: <any custom name> }` in the job options. */
  backoffStrategy?: BackoffStrategy;
  /** Log fields that name the job (never a secret). */
  describe?: (job: Job<D>) => Record<string, unknown>;
  onFinalFailure?: (job: Job<D>, err: Error) => void;
  /** Delays (retryAt errors) a job may take before it fails for good (default MAX_DELAYS). */
  maxDelays?: number;
}

/** Rate limits reset within the hour; this many delays is most of a day of them. */
export const MAX_DELAYS = 24;

/** The time (ms since epoch) an error asks its job to be run again at, if it names one. */
export function retryAtOf(err: unknown): number | undefined {
  const at = (err as { retryAt?: unknown } | null | undefined)?.retryAt;
  return typeof at === 'number' && Number.isFinite(at) ? at : undefined;
}

/** The job body, with errors that name a `retryAt` turned into a delay of the job. */
function delayingProcessor<D, R>(o: QueueWorkerOptions<D, R>) {
  return async (job: Job<D>, token?: string): Promise<R> => {
    try {
      return await o.process(job);
    } catch (err) {
      const retryAt = retryAtOf(err);
      if (retryAt === undefined || token === undefined) throw err;
      const e = err as Error & { code?: string };
      // Starts that were not attempts: earlier delays (and stalls), not counting this run.
      const delays = job.attemptsStarted - job.attemptsMade - 1;
      const max = o.maxDelays ?? MAX_DELAYS;
      if (delays >= max) throw new UnrecoverableError(`${e.code ?? e.name}: still waiting after ${delays} delays, giving up: ${e.message}`);
      await job.moveToDelayed(retryAt, token);
      o.log.warn({ queue: o.queue, jobId: job.id, ...o.describe?.(job), code: e.code, retryAt: new Date(retryAt).toISOString(), delays: delays + 1 }, `${o.queue} job delayed: ${e.message}`);
      throw new DelayedError();
    }
  };
}

export function isFinalFailure(job: Job, err: Error): boolean {
  return job.attemptsMade >= (job.opts.attempts ?? 1) || err.name === 'UnrecoverableError';
}

export function startQueueWorker<D, R>(o: QueueWorkerOptions<D, R>): Worker<D, R> {
  const inFlight = new InFlightJobs();
  const worker = new Worker<D, R>(o.queue, inFlight.wrap(delayingProcessor(o)), {
    connection: o.connection,
    prefix: o.prefix,
    concurrency: o.concurrency,
    ...WORKER_LOCK_OPTIONS,
    ...o.lock,
    ...(o.backoffStrategy ? { settings: { backoffStrategy: o.backoffStrategy } } : {}),
  });
  trackInFlight(worker, inFlight);
  worker.on('failed', (job, err) => {
    if (!job) return;
    const final = isFinalFailure(job, err);
    if (final) o.onFinalFailure?.(job, err);
    o.log[final ? 'error' : 'warn'](
      { queue: o.queue, jobId: job.id, ...o.describe?.(job), attempt: job.attemptsMade, code: (err as { code?: string }).code, final },
      final ? `${o.queue} job failed for good (dead-letter): ${err.message}` : `${o.queue} job failed, will retry: ${err.message}`,
    );
  });
  worker.on('error', (err) => o.log.warn({ queue: o.queue, err: { name: err.name, message: err.message } }, `${o.queue} worker connection error`));
  return worker;
}

/** SIGTERM/SIGINT: close (in-flight jobs get a short grace, then go back to the queue), then exit. */
export function closeOnSignals(close: () => Promise<void>, log: Logger, what: string): void {
  exitOnSignals(close, log, what);
}
