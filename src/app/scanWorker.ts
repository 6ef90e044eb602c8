// The scan worker as `keywarden worker` runs it: processScanJob on the `scan` queue, with
// queue/worker.ts's wiring (lock and stall tuning, failure logs, graceful SIGTERM). The scan
// itself runs in a worker thread, so lock renewals never stall behind a big scan. A job can
// still run twice at once (its lock ran out while it ran): its reports are written under a
// per-scan Redis lock (queue/redisLock.ts), so it still leaves one of each.
import { Queue, UnrecoverableError, type Job, type Worker } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import { pino, type Logger } from 'pino';
import { ROTATE_QUEUE, SCAN_QUEUE, WORKER_LOCK_OPTIONS } from '../queue/queues.js';
import { openRedis } from '../queue/redis.js';
import { redisLock } from '../queue/redisLock.js';
import { closeOnSignals, startQueueWorker } from '../queue/worker.js';
import { closeWorkerWithin } from '../queue/shutdown.js';
import { scansTotal } from '../queue/metrics.js';
import { gitHubApp } from '../github/client.js';
import type { GitHubRetryOptions } from '../github/retry.js';
import { redisRateLimitGate } from '../github/rateLimitGate.js';
import type { RotateJobData } from '../rotation/rotateJobData.js';
import type { KeyStateReader } from '../rotation/keyStates.js';
import type { ScanJobData } from './scanJobData.js';
import { processScanJob, type ScanJobReturn } from './scanJob/processScanJob.js';
import { BaselineStore } from './baselineStore.js';
import { closeScanThread } from './scanJob/scanInThread.js';
import { scanCheckRunRef } from './scanJob/publishScan.js';
import { scanJobId } from './enqueueScan.js';
import { closeFailedCheckRun } from './publish/scanCheckRunState.js';
import { installationLossOf } from '../github/installationAccess.js';
import { parkScan } from './installationJobs.js';

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
  /** How long jobs in flight get on close before they go back to the queue (default SHUTDOWN_GRACE_MS). */
  shutdownGraceMs?: number;
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

const INSTALLATION_LOST = new Set(['INSTALLATION_SUSPENDED', 'INSTALLATION_GONE']);

export const DEFAULT_SCAN_LIMITS = { maxCommits: 500, maxBaselineCommits: 2_000, maxBytes: 50 * 1024 * 1024 };

export function startScanWorker(opts: ScanWorkerOptions): ScanWorkerHandle {
  const log = opts.log ?? pino({ name: 'keywarden-scan', level: process.env.LOG_LEVEL ?? 'info' });
  const prefix = opts.prefix ?? 'bull';
  const connection = openRedis(opts.redis);
  const producer = openRedis(opts.redis);
  const rotateQueue = new Queue<RotateJobData>(ROTATE_QUEUE, { connection: producer, prefix });
  const deps = {
    // The gate: a rate limit seen by one job holds every job of that installation (retry.ts).
    github: gitHubApp({ appId: opts.appId, privateKey: opts.privateKey, baseUrl: opts.baseUrl, log, retry: opts.githubRetry, gate: redisRateLimitGate(producer, prefix) }),
    rotateQueue,
    baseline: new BaselineStore(producer, prefix),
    log,
    baseUrl: opts.baseUrl,
    gheHost: opts.gheHost,
    webUrl: opts.webUrl,
    allowLocalClone: opts.allowLocalClone,
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
    process: (job: Job<ScanJobData>) => processScanJob(job, deps).catch(async (err: unknown) => {
      throw await endedByInstallation(job, err);
    }),
    connection,
    prefix,
    concurrency: opts.concurrency ?? 2,
    lock: opts.lock,
    log,
    onFinalFailure: (job, err) => {
      scansTotal.inc({ event: job.data.event, result: 'failed' });
      // Without the installation there is no token to close the run with (nor anyone to see it).
      if (!INSTALLATION_LOST.has((err as { code?: string }).code ?? '')) void closeRunOfFailedJob(job, err);
    },
  });

  // The App uninstalled (GitHub answers the token request 404) or suspended (403) while the
  // job waited or ran: retrying cannot help, so the job ends for good at once. A suspended
  // installation's scan is set aside and runs again on `installation.unsuspend`
  // (installationJobs.ts).
  async function endedByInstallation(job: Job<ScanJobData>, err: unknown): Promise<unknown> {
    let loss = installationLossOf(err);
    // A token made before an uninstall is revoked: its calls answer 401. Ask GitHub whether the
    // installation is still there; if that cannot be told, the job is retried as usual.
    if (!loss && (err as { status?: number }).status === 401) loss = await deps.github.installationLoss(job.data.installationId).catch(() => undefined);
    if (!loss) return err;
    if (loss === 'suspended') await parkScan(producer, prefix, job.data);
    const why = loss === 'suspended'
      ? `installation ${job.data.installationId} is suspended: the scan runs again when it is unsuspended`
      : `installation ${job.data.installationId} is gone (the App was uninstalled): nothing to scan`;
    return Object.assign(new UnrecoverableError(why), { code: loss === 'suspended' ? 'INSTALLATION_SUSPENDED' : 'INSTALLATION_GONE' });
  }

  // A job that failed for good still ends its check run (failure / timed_out, with the
  // reason), so a required check does not wait forever.
  const pendingCloses = new Set<Promise<void>>();
  function closeRunOfFailedJob(job: Job<ScanJobData>, err: Error): void {
    const scanId = scanJobId(job.data);
    const ref = scanCheckRunRef(job.data, scanId);
    if (!ref) return;
    const p = (async () => {
      const octokit = await deps.github.installation(job.data.installationId);
      await deps.reportLock(scanId, () => closeFailedCheckRun(octokit, ref, err, job.attemptsMade));
    })().catch((e: Error) => log.warn({ jobId: job.id, err: { name: e.name, message: e.message } }, 'could not close the check run of a failed scan'))
      .finally(() => pendingCloses.delete(p));
    pendingCloses.add(p);
  }

  let closing: Promise<void> | null = null;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      // Jobs in flight get a short grace, then go back to the queue: SIGTERM ends within 25 s.
      await closeWorkerWithin(worker, log, opts.shutdownGraceMs);
      await Promise.race([Promise.allSettled([...pendingCloses]), new Promise((r) => setTimeout(r, 2_000).unref())]);
      await rotateQueue.close();
      await closeScanThread();
      await Promise.allSettled([connection.quit(), producer.quit()]);
    })();
    return closing;
  };
  if (opts.handleSignals ?? true) closeOnSignals(close, log, 'scan worker');
  return { worker, close };
}
