// The scan worker: BullMQ wiring around processScanJob.
// - ioredis with maxRetriesPerRequest: null (openRedis), so a Redis restart pauses work;
// - WORKER_LOCK_OPTIONS: a job whose worker died resumes within ~10 s; the scan itself runs
//   in a worker thread, so lock renewals never stall behind a big scan;
// - SIGTERM closes the worker, which lets in-flight jobs finish;
// - a job can still run twice at once (its lock ran out while it ran): its reports are
//   written under a per-scan Redis lock (redisLock.ts), so it still leaves one of each.
import { Queue, Worker, type Job } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import { pino, type Logger } from 'pino';
import { ROTATE_QUEUE, SCAN_QUEUE, WORKER_LOCK_OPTIONS, type RotateJobData, type ScanJobData } from '../queue/queues.js';
import { openRedis } from '../queue/redis.js';
import { redisLock } from '../queue/redisLock.js';
import { processScanJob, type ScanJobReturn } from './scanJob/processScanJob.js';
import { BaselineStore } from './baselineStore.js';
import { scansTotal } from '../queue/metrics.js';
import { gitHubApp } from '../github/client.js';
import { closeScanThread } from './scanJob/scanInThread.js';
import type { GitHubRetryOptions } from '../github/retry.js';

export interface ScanWorkerOptions {
  redis: string | RedisOptions;
  prefix?: string;
  concurrency?: number;
  appId: string | number;
  privateKey: string;
  /** REST API root (GHE: https://HOST/api/v3; tests: the stand-in). */
  baseUrl?: string;
  webUrl?: string;
  gheHost?: string;
  log?: Logger;
  handleSignals?: boolean;
  /** Tests only: accept file:// clone URLs (KEYWARDEN_ALLOW_FILE_CLONE=1). */
  allowLocalClone?: boolean;
  maxCommits?: number;
  maxBaselineCommits?: number;
  maxBytes?: number;
  githubRetry?: GitHubRetryOptions;
  lock?: Partial<Record<keyof typeof WORKER_LOCK_OPTIONS, number>>;
}

export interface ScanWorkerHandle {
  worker: Worker<ScanJobData, ScanJobReturn>;
  close(): Promise<void>;
}

export const DEFAULT_SCAN_LIMITS = { maxCommits: 500, maxBaselineCommits: 2_000, maxBytes: 50 * 1024 * 1024 };

export function startScanWorker(opts: ScanWorkerOptions): ScanWorkerHandle {
  const log = opts.log ?? pino({ name: 'keywarden-scan', level: process.env.LOG_LEVEL ?? 'info' });
  const prefix = opts.prefix ?? 'bull';
  const connection = openRedis(opts.redis);
  const producer = openRedis(opts.redis);
  const rotateQueue = new Queue<RotateJobData>(ROTATE_QUEUE, { connection: producer, prefix });
  const deps = {
    github: gitHubApp({ appId: opts.appId, privateKey: opts.privateKey, baseUrl: opts.baseUrl, log, retry: opts.githubRetry }),
    rotateQueue,
    baseline: new BaselineStore(producer, prefix),
    log,
    baseUrl: opts.baseUrl,
    gheHost: opts.gheHost,
    webUrl: opts.webUrl,
    allowLocalClone: opts.allowLocalClone,
    githubRetry: opts.githubRetry,
    reportLock: redisLock(producer, { prefix: `${prefix}:keywarden:scan-report` }),
    limits: {
      maxCommits: opts.maxCommits ?? DEFAULT_SCAN_LIMITS.maxCommits,
      maxBaselineCommits: opts.maxBaselineCommits ?? DEFAULT_SCAN_LIMITS.maxBaselineCommits,
      maxBytes: opts.maxBytes ?? DEFAULT_SCAN_LIMITS.maxBytes,
    },
  };
  const worker = new Worker<ScanJobData, ScanJobReturn>(SCAN_QUEUE, (job: Job<ScanJobData>) => processScanJob(job, deps), {
    connection,
    prefix,
    concurrency: opts.concurrency ?? 2,
    ...WORKER_LOCK_OPTIONS,
    ...opts.lock,
  });
  worker.on('failed', (job, err) => {
    if (!job) return;
    const final = job.attemptsMade >= (job.opts.attempts ?? 1);
    if (final) scansTotal.inc({ event: job.data.event, result: 'failed' });
    log[final ? 'error' : 'warn']({ jobId: job.id, attempt: job.attemptsMade, code: (err as { code?: string }).code, final }, `scan failed${final ? ' for good' : ', will retry'}: ${err.message}`);
  });
  worker.on('error', (err) => log.warn({ err: { name: err.name, message: err.message } }, 'scan worker connection error'));

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await worker.close();
      await rotateQueue.close();
      await closeScanThread();
      await Promise.allSettled([connection.quit(), producer.quit()]);
    })();
    return closing;
  };
  if (opts.handleSignals ?? true) {
    const onSignal = (signal: NodeJS.Signals) => {
      log.info({ signal }, 'scan worker: finishing in-flight jobs, then exiting');
      void close().then(() => process.exit(0));
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }
  return { worker, close };
}
