// When GitHub refuses the review's line comments (a line left the diff), the leaks go in the
// review body, which GitHub caps at 65,536 characters: a long list must be cut to fit, not
// make the review fail. Real Redis and BullMQ, a real git repository, the scan worker, and
// the OpenAPI-validated GitHub stand-in (which refuses a longer body, as GitHub does).
import { describe, expect, it } from 'vitest';
import { enqueueScan } from '../../src/app/enqueueScan.js';
import { finishedJob, leakyRepo, scanJobData, scanWorkerRig } from '../support/scanJobRuns.js';

const OWNER = 'Codertocat';
const rig = scanWorkerRig('review-body-cap');

describe('review fallback body', () => {
  it('is cut to GitHub\'s 65,536 characters, saying how many leaks were left out', async () => {
    const { repo, base, head } = leakyRepo(rig, 600);
    const name = 'long-fallback';
    rig.gh.addPull(OWNER, name, { number: 8, baseSha: base, headSha: head, outdatedPaths: ['web/public-keys.txt'] });
    const job = await finishedJob(rig.queue, await enqueueScan(rig.queue, scanJobData(repo, OWNER, name, { base, head, pullNumber: 8 })), rig.gh.violations);
    expect(job.failedReason).toBeUndefined();
    expect(await job.getState()).toBe('completed');
    const reviews = rig.gh.state.reviews.filter((r) => r.repo === name);
    expect(reviews).toHaveLength(1);
    const body = String(reviews[0].body);
    expect(body.length).toBeLessThanOrEqual(65_536);
    expect(body).toMatch(/and \d+ more, not listed here/);
    expect(body).toMatch(/`keywarden \/ pull request` check/);
  });
});
