// Enqueueing scan jobs. The jobId is derived from what is scanned (event, repository, commit
// range), so a redelivered webhook, or the same push seen twice, collapses into one job.
// One exception: a job with that id which failed for good (it stays in the failed set, the
// dead-letter view) is run again, with its attempts reset. Someone redelivered the webhook
// (by hand, or the redelivery sweeper) because it did not work; a waiting, active or
// completed job stays deduplicated.
import { createHash } from 'node:crypto';
import type { Queue } from 'bullmq';
import { SCAN_JOB_OPTIONS } from '../queue/queues.js';
import type { ScanJobData } from './scanJobData.js';
import { isTagRef } from './handlers/payload.js';

export type ScanQueue = Queue<ScanJobData>;

/**
 * BullMQ job ids may not contain ':'; a hash of the scanned range is safe and deterministic.
 * A tag's name is part of it: a tag and a new branch made at one commit have the same range
 * but report under different check names, so neither may swallow the other's job.
 */
export function scanJobId(d: ScanJobData): string {
  // An installation scan is one per delivery: a repository removed and added again is a new
  // delivery, so it gets a new baseline, where a scan named by its range would be the old one.
  const what = d.pullRequest
    ? `pr|${d.owner}/${d.repo}|${d.pullRequest.number}|${d.pullRequest.baseSha}|${d.pullRequest.headSha}`
    : `${d.event}|${d.owner}/${d.repo}|${d.before ?? ''}|${d.after}${isTagRef(d.ref) ? `|${d.ref}` : ''}${d.event === 'installation' ? `|${d.deliveryId ?? ''}` : ''}`;
  return `scan-${createHash('sha256').update(d.rerun ? `${what}|rerun|${d.rerun}` : what).digest('hex').slice(0, 32)}`;
}

/** `queued`: a new job, or one that already waits, runs or has completed (deduplicated). */
export type EnqueueOutcome = 'queued' | 'rerun';

export async function enqueueScanJob(queue: ScanQueue, data: ScanJobData): Promise<{ jobId: string; outcome: EnqueueOutcome }> {
  const jobId = scanJobId(data);
  const job = await queue.add(data.event, data, { ...SCAN_JOB_OPTIONS, jobId });
  // BullMQ answers an add with an existing id with that id and does nothing else, so the
  // state tells a fresh job from an old one that failed.
  const state = await queue.getJobState(jobId);
  if (state !== 'failed') return { jobId, outcome: 'queued' };
  try {
    // Atomic in Redis: only a job still in the failed set moves back to wait. Two
    // redeliveries racing here run it once; the loser's retry finds it no longer failed.
    await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    return { jobId, outcome: 'rerun' };
  } catch (err) {
    if ((await queue.getJobState(jobId)) !== 'failed') return { jobId, outcome: 'queued' };
    throw err;
  }
}

export async function enqueueScan(queue: ScanQueue, data: ScanJobData): Promise<string> {
  return (await enqueueScanJob(queue, data)).jobId;
}
