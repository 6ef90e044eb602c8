// A pull request scan checks, right before it reports, that the head it scanned is still the
// pull request's head. When a newer push replaced it, the scan ends quietly: no review and no
// comments (the newer head's scan posts its own), while the old commit's check run still gets
// the real result with a note that it was superseded. Real Redis and BullMQ, a real git
// repository, the scan worker, and the OpenAPI-validated GitHub stand-in.
import { describe, expect, it } from 'vitest';
import { enqueueScan } from '../../src/app/enqueueScan.js';
import { finishedJob, leakyRepo, scanJobData, scanWorkerRig } from '../support/scanJobRuns.js';

const OWNER = 'Codertocat';
const rig = scanWorkerRig('superseded-pull');
const ofRepo = <T extends { repo: string }>(list: T[], name: string) => list.filter((x) => x.repo === name);

describe('a superseded pull request scan', () => {
  it('posts no review once a newer push moved the head, and closes its own run with the real result', async () => {
    const { repo, base, head } = leakyRepo(rig, 0);
    const newer = repo.commit({ 'docs/notes.md': 'pushed while the first scan ran\n' }, 'newer push');
    const name = 'superseded';
    // GitHub already knows the newer head when the older head's scan reports.
    rig.gh.addPull(OWNER, name, { number: 7, baseSha: base, headSha: newer });

    const jobId = await enqueueScan(rig.queue, scanJobData(repo, OWNER, name, { base, head, pullNumber: 7 }));
    const job = await finishedJob(rig.queue, jobId, rig.gh.violations);
    expect(await job.getState()).toBe('completed');
    expect(job.attemptsMade).toBe(1);
    expect(job.returnvalue).toMatchObject({ findings: 1, supersededBy: newer });
    expect(job.returnvalue.reviewId).toBeUndefined();

    expect(rig.gh.requests.some((r) => r.operationId === 'pulls/get' && r.url.endsWith(`/${OWNER}/${name}/pulls/7`))).toBe(true);
    expect(rig.gh.requests.filter((r) => r.operationId === 'pulls/create-review' && r.url.includes(`/${name}/`))).toEqual([]);
    expect(ofRepo(rig.gh.state.reviews, name)).toEqual([]);
    expect(ofRepo(rig.gh.state.reviewComments, name)).toEqual([]);

    const runs = ofRepo(rig.gh.state.checkRuns, name);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ name: 'keywarden / pull request', head_sha: head, status: 'completed', conclusion: 'failure', external_id: jobId });
    expect(runs[0].output?.summary).toContain(`**Superseded**: the pull request's head is now ${newer.slice(0, 7)}`);
    expect(rig.gh.violations).toEqual([]);
  });

  it('reviews as usual while the scanned head is still the pull request\'s head', async () => {
    const { repo, base, head } = leakyRepo(rig, 0);
    const name = 'still-current';
    rig.gh.addPull(OWNER, name, { number: 8, baseSha: base, headSha: head });
    const jobId = await enqueueScan(rig.queue, scanJobData(repo, OWNER, name, { base, head, pullNumber: 8 }));
    const job = await finishedJob(rig.queue, jobId, rig.gh.violations);
    expect(await job.getState()).toBe('completed');
    expect(job.returnvalue.supersededBy).toBeUndefined();
    expect(ofRepo(rig.gh.state.reviews, name)).toEqual([expect.objectContaining({ commit_id: head })]);
    expect(ofRepo(rig.gh.state.reviewComments, name)).toHaveLength(1);
    expect(ofRepo(rig.gh.state.checkRuns, name)[0].output?.summary).not.toContain('Superseded');
    expect(rig.gh.violations).toEqual([]);
  });
});
