// Queue names, job payloads and job options, defined once. The app enqueues, the workers
// consume; both import from here so a payload change is a type error on both sides.
// Payloads never carry a raw secret: only its SHA-256 and a redacted preview.
import type { JobsOptions } from 'bullmq';

export const SCAN_QUEUE = 'scan';
export const ROTATE_QUEUE = 'rotate';

/** What a webhook handler hands to the scan worker. */
export interface ScanJobData {
  /** When the webhook arrived (ms since epoch), for the webhook-to-rolled metric. */
  receivedAt: number;
  installationId: number;
  owner: string;
  repo: string;
  /** Clone URL of the repository (https). The token is never part of it. */
  cloneUrl: string;
  defaultBranch: string;
  event: 'push' | 'pull_request' | 'installation';
  /** push: before..after; pull_request: base..head; installation: the default branch's history. */
  before?: string;
  after: string;
  ref?: string;
  pullRequest?: { number: number; baseSha: string; headSha: string; htmlUrl?: string };
  deliveryId?: string;
  /** GitHub login of each pushed commit's author (push payloads name them), so the owner's issue can be assigned. */
  commitAuthors?: Record<string, string>;
  /** Login to fall back on when a commit's author is unknown: the PR's author or the pusher. */
  actorLogin?: string;
}

/** What the scan worker hands to the rotate worker: one job per leaked key. */
export interface RotateJobData {
  receivedAt: number;
  installationId: number;
  owner: string;
  repo: string;
  ruleId: string;
  rotator: string;
  kind: 'secret' | 'public';
  /** SHA-256 hex of the secret. */
  secretHash: string;
  preview: string;
  fingerprint: string;
  /** UUID derived from the fingerprint, reused on every retry as X-Idempotency-Key. */
  idempotencyKey: string;
  path: string;
  line: number;
  commit?: string;
  author?: string;
  email?: string;
  authorLogin?: string;
  pullRequest?: { number: number; htmlUrl?: string };
  htmlUrl?: string;
}

export const SCAN_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 2_000 },
  removeOnComplete: { age: 24 * 3600, count: 1_000 },
  removeOnFail: { age: 14 * 24 * 3600 },
};

export const ROTATE_JOB_OPTIONS: JobsOptions = {
  attempts: 10,
  // `rotate` is the rotate worker's own strategy (rotateWorker.ts): exponential with jitter,
  // or the wait the error asks for (REQUEST_IN_PROCESS: a few seconds).
  backoff: { type: 'rotate', delay: 1_000 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 10_000 },
  // Failed rotations are the dead-letter view: keep them until someone looks.
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
