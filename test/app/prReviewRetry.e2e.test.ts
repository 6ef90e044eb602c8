// A pull request scan that runs again, or a review write whose answer was lost, must leave one
// review. Real Redis and BullMQ, a real git repository, the scan worker, and the
// OpenAPI-validated GitHub stand-in failing chosen calls, some after it stored the write.
import { describe, expect, it } from 'vitest';
import { formatToken } from '../../src/keyformat/keyFormat.js';
import { LEAK_MARKER_RE } from '../../src/app/publish/findingText.js';
import { enqueueScan } from '../../src/app/enqueueScan.js';
import { TestRepo } from '../support/gitRepo.js';
import { finishedJob, scanJobData, scanWorkerRig } from '../support/scanJobRuns.js';

const OWNER = 'Codertocat';
const rig = scanWorkerRig('review-retry');

/** A pull request whose head commit adds one live secret key and three public keys: four leaks to review. */
function leakyPull(name: string, pull: { number: number; outdatedPaths?: string[] }) {
  const repo = new TestRepo();
  rig.track(repo);
  const base = repo.commit({ 'README.md': 'hello\n' }, 'base');
  repo.branch('feature');
  const secret = formatToken('secret', 'live');
  const head = repo.commit({
    'config/prod.env': `KEYSERVICE_SECRET_KEY=${secret}\n`,
    'web/public-keys.txt': Array.from({ length: 3 }, () => `pk = ${formatToken('public', 'live')}`).join('\n') + '\n',
  }, 'add keys');
  rig.gh.addPull(OWNER, name, { ...pull, baseSha: base, headSha: head });
  return { data: scanJobData(repo, OWNER, name, { base, head, pullNumber: pull.number }), secret };
}

const markersIn = (text: string) => [...text.matchAll(LEAK_MARKER_RE)].map((m) => m[1]);
const reviewsOf = (name: string) => rig.gh.state.reviews.filter((r) => r.repo === name);
const commentsOf = (name: string) => rig.gh.state.reviewComments.filter((c) => c.repo === name);
const statusesOf = (operationId: string, name: string) => rig.gh.requests.filter((r) => r.operationId === operationId && r.url.includes(`/${OWNER}/${name}/`)).map((r) => r.status);

describe('pull request review idempotency', () => {
  it('a review GitHub stored before answering 502 is not posted again', async () => {
    const name = 'review-lost-answer';
    const { data } = leakyPull(name, { number: 5 });
    rig.gh.failOperation({ operationId: 'pulls/create-review', status: 502, times: 1, afterActing: true });

    const job = await finishedJob(rig.queue, await enqueueScan(rig.queue, data), rig.gh.violations);
    rig.gh.clearOperationFaults();
    const reviews = reviewsOf(name);
    expect(reviews).toHaveLength(1);
    const comments = commentsOf(name);
    expect(comments).toHaveLength(4);
    expect(comments.every((c) => c.review_id === reviews[0].id)).toBe(true);
    expect(new Set(comments.flatMap((c) => markersIn(c.body))).size).toBe(4);
    // One write: the lost answer failed the attempt (no step loop), and the job's retry read
    // the stored review's comments and had nothing left to say.
    expect(statusesOf('pulls/create-review', name)).toEqual([502]);
    expect(await job.getState()).toBe('completed');
    expect(job.failedReason).toMatch(/Server Error|502/);
    // The attempt that found the stored review still names it.
    expect(job.returnvalue.reviewId).toBe(reviews[0].id);
    expect(rig.gh.violations).toEqual([]);
  });

  it('a scan retried after the body-only fallback review keeps that one review', async () => {
    const name = 'review-fallback-retried';
    // The secret's line is no longer in the diff: GitHub refuses the comments (422), and the
    // leaks go in the body of a review without comments.
    const { data, secret } = leakyPull(name, { number: 6, outdatedPaths: ['config/prod.env'] });
    // That review is stored but its answer lost, and GitHub then fails every read of the
    // reviews until the job has failed: BullMQ runs the whole scan again.
    rig.gh.failOperation({ operationId: 'pulls/create-review', status: 502, skip: 1, times: 1, afterActing: true });
    rig.gh.failOperation({ operationId: 'pulls/list-reviews', status: 502, skip: 1 });
    const clearFaults = () => rig.gh.clearOperationFaults();
    rig.worker.worker.once('failed', clearFaults);

    const job = await finishedJob(rig.queue, await enqueueScan(rig.queue, data), rig.gh.violations);
    rig.worker.worker.off('failed', clearFaults);
    rig.gh.clearOperationFaults();
    const reviews = reviewsOf(name);
    expect(reviews).toHaveLength(1);
    expect(commentsOf(name)).toEqual([]);
    expect(new Set(markersIn(reviews[0].body ?? '')).size).toBe(4);
    expect(reviews[0].body).toContain('`config/prod.env` line 1');
    // Both faults fired, and the job failed once before it completed.
    expect(statusesOf('pulls/create-review', name)).toEqual([422, 502]);
    expect(job.failedReason).toMatch(/Server Error|502/);
    expect(await job.getState()).toBe('completed');
    // The run that found the body-only review names it.
    expect(job.returnvalue.reviewId).toBe(reviews[0].id);
    expect(statusesOf('pulls/list-reviews', name).at(-1)).toBe(200);
    expect(rig.gh.requestsContaining(secret)).toEqual([]);
    expect(rig.gh.violations).toEqual([]);
  });
});
