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
 * Lock and stall tuning for workers: a job whose worker died is picked up again within
 * about lockDuration + stalledInterval (~10 s) instead of BullMQ's default minute.
 */
export const WORKER_LOCK_OPTIONS = {
  lockDuration: 5_000,
  stalledInterval: 5_000,
  maxStalledCount: 3,
} as const;
