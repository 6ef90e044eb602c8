// Helpers for tests that push scan jobs through a real BullMQ queue and wait for the outcome.
import type { Job, Queue } from 'bullmq';
import type { ScanJobData } from '../../src/queue/queues.js';
import type { TestRepo } from './gitRepo.js';

/** A push scan of base..head, or a pull request scan when pullNumber is given. */
export function scanJobData(repo: TestRepo, owner: string, name: string, o: { base: string; head: string; pullNumber?: number }): ScanJobData {
  return {
    receivedAt: Date.now(),
    installationId: 1,
    owner,
    repo: name,
    cloneUrl: repo.cloneUrl,
    defaultBranch: 'main',
    event: o.pullNumber ? 'pull_request' : 'push',
    before: o.base,
    after: o.head,
    ref: o.pullNumber ? 'feature' : 'refs/heads/feature',
    ...(o.pullNumber ? { pullRequest: { number: o.pullNumber, baseSha: o.base, headSha: o.head } } : {}),
  };
}

/** The job once it completed or failed for good; `violations` are named if it never does. */
export async function finishedJob(queue: Queue<ScanJobData>, jobId: string, violations: readonly string[]): Promise<Job<ScanJobData>> {
  for (let i = 0; i < 600; i++) {
    const job = await queue.getJob(jobId);
    const state = job ? await job.getState() : undefined;
    if (job && (state === 'completed' || state === 'failed')) return job;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting for ${jobId}; violations: ${violations.join(' | ')}`);
}
