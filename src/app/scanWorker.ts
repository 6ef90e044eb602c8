// The scan worker as `keywarden worker` runs it: processScanJob on the `scan` queue, with
// queue/worker.ts's wiring (lock and stall tuning, failure logs, graceful SIGTERM). The scan
// itself runs in a worker thread, so lock renewals never stall behind a big scan. A job can
// still run twice at once (its lock ran out while it ran): its reports are written under a
// per-scan Redis lock (queue/redisLock.ts), so it still leaves one of each.
import { Queue, type Job, type Worker } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import { pino, type Logger } from 'pino';
import { ROTATE_QUEUE, SCAN_QUEUE, WORKER_LOCK_OPTIONS } from '../queue/queues.js';
import { openRedis } from '../queue/redis.js';
import { redisLock } from '../queue/redisLock.js';
import { closeOnSignals, startQueueWorker } from '../queue/worker.js';
import { scansTotal } from '../queue/metrics.js';
import { gitHubApp } from '../github/client.js';
import type { GitHubRetryOptions } from '../github/retry.js';
import type { RotateJobData } from '../rotation/rotateJobData.js';
import type { KeyStateReader } from '../rotation/keyStates.js';
import type { ScanJobData } from './scanJobData.js';
import { processScanJob, type ScanJobReturn } from './scanJob/processScanJob.js';
import { BaselineStore } from './baselineStore.js';
import { closeScanThread } from './scanJob/scanInThread.js';
import { scanCheckRunRef } from './scanJob/publishScan.js';
import { scanJobId } from './enqueueScan.js';
import { closeFailedCheckRun } from './publish/scanCheckRunState.js';

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
  /** Tests only: accept file:// and http://127.0.0.1 clone URLs (KEYWARDEN_ALLOW_FILE_CLONE=1). */
  allowLocalClone?: boolean;
  maxCommits?: number;
  maxBaselineCommits?: number;
  maxBytes?: number;
  githubRetry?: GitHubRetryOptions;
  /** False when no key service is configured: findings are reported, no rotation is queued. */
  rotation?: boolean;
  lock?: Partial<Record<keyof typeof WORKER_LOCK_OPTIONS, number>>;
  /** The key service's verify (KEYSERVICE_*): the baseline issue shows each key's state. */
  keyStates?: KeyStateReader;
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
    rotationNotConfigured: opts.rotation === false,
    keyStates: opts.keyStates,
    reportLock: redisLock(producer, { prefix: `${prefix}:keywarden:scan-report` }),
    limits: {
      maxCommits: opts.maxCommits ?? DEFAULT_SCAN_LIMITS.maxCommits,
      maxBaselineCommits: opts.maxBaselineCommits ?? DEFAULT_SCAN_LIMITS.maxBaselineCommits,
      maxBytes: opts.maxBytes ?? DEFAULT_SCAN_LIMITS.maxBytes,
    },
  };
  const worker = startQueueWorker<ScanJobData, ScanJobReturn>({
    queue: SCAN_QUEUE,
    process: (job: Job<ScanJobData>) => processScanJob(job, deps),
    connection,
    prefix,
    concurrency: opts.concurrency ?? 2,
    lock: opts.lock,
    log,
    onFinalFailure: (job, err) => {
      scansTotal.inc({ event: job.data.event, result: 'failed' });
      void closeRunOfFailedJob(job, err);
    },
  });

  // A job that failed for good still ends its check run (failure / timed_out, with the
  // reason), so a required check does not wait forever.
  const pendingCloses = new Set<Promise<void>>();
  function closeRunOfFailedJob(job: Job<ScanJobData>, err: Error): void {
    const scanId = scanJobId(job.data);
    const ref = scanCheckRunRef(job.data, scanId);
    if (!ref) return;
    const p = (async () => {
      const octokit = await deps.github.installation(job.data.installationId);
      await deps.reportLock(scanId, () => closeFailedCheckRun(octokit, ref, err, job.attemptsMade, opts.githubRetry));
    })().catch((e: Error) => log.warn({ jobId: job.id, err: { name: e.name, message: e.message } }, 'could not close the check run of a failed scan'))
      .finally(() => pendingCloses.delete(p));
    pendingCloses.add(p);
  }

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await worker.close();
      await Promise.allSettled([...pendingCloses]);
      await rotateQueue.close();
      await closeScanThread();
      await Promise.allSettled([connection.quit(), producer.quit()]);
    })();
    return closing;
  };
  if (opts.handleSignals ?? true) closeOnSignals(close, log, 'scan worker');
  return { worker, close };
}
