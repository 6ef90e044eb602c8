// Queue names and job options, defined once. The payloads belong to whoever owns the job
// (app/scanJobData.ts, rotation/rotateJobData.ts); this folder only moves them.
import type { JobsOptions } from 'bullmq';

export const SCAN_QUEUE = 'scan';
export const ROTATE_QUEUE = 'rotate';
/** The rotate queue's second step: tell the owner (rotation/rotateAndNotify.ts). */
export const NOTIFY_QUEUE = 'rotate-notify';

export const SCAN_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { age: 24 * 3600, count: 1_000 },
  removeOnFail: { age: 14 * 24 * 3600 },
};

export const ROTATE_JOB_OPTIONS: JobsOptions = {
  attempts: 10,
  // `rotate` is the rotate worker's own strategy (rotation/rotateWorker.ts): exponential with jitter,
  // or the wait the error asks for (REQUEST_IN_PROCESS: a few seconds).
  backoff: { type: 'rotate', delay: 1_000 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
  // Failed rotations are the dead-letter view: keep them until someone looks.
  removeOnFail: false,
};

export const NOTIFY_JOB_OPTIONS: JobsOptions = {
  attempts: 12,
  backoff: { type: 'rotate', delay: 2_000 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
  removeOnFail: false,
};

/**
 * Lock and stall tuning for workers. A worker renews its jobs' locks every lockDuration / 2
 * (15 s); another worker's stalled-job check takes a job whose lock has run out. So a worker
 * that pauses (a long GC, an overloaded host, a SIGSTOP, a VM migration) keeps its jobs for
 * up to lockDuration - lockDuration / 2 = 15 s of silence: a 5 s pause never runs a job
 * twice, with 3x margin. The price: the jobs of a worker that dies without closing (SIGKILL,
 * OOM kill) are picked up again only after their lock runs out plus up to two checks, about
 * 30-60 s. A worker that is stopped the normal way (SIGTERM) hands its jobs back at once
 * (queue/shutdown.ts), so the stall path is for crashes only; we take the slower recovery
 * there over scans and rotations run twice after every pause.
 */
export const WORKER_LOCK_OPTIONS = {
  lockDuration: 30_000,
  stalledInterval: 15_000,
  maxStalledCount: 3,
} as const;
