// Enqueueing scan jobs. The jobId is derived from what is scanned (event, repository, commit
// range), so a redelivered webhook, or the same push seen twice, collapses into one job.
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

export async function enqueueScan(queue: ScanQueue, data: ScanJobData): Promise<string> {
  const jobId = scanJobId(data);
  await queue.add(data.event, data, { ...SCAN_JOB_OPTIONS, jobId });
  return jobId;
}
