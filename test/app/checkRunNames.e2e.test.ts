// GitHub's merge box and required checks look at the latest check run of each *name* on a
// commit. A push scan and a pull request scan of the same head commit must therefore publish
// under different names, or a clean push scan finishing after the pull request's failing one
// would turn a leaking pull request green. Real Redis and BullMQ, a real git repository, the
// scan worker, and the OpenAPI-validated GitHub stand-in (whose list-for-ref shows only the
// latest run of each name, as GitHub's default filter does).
import { describe, expect, it } from 'vitest';
import { enqueueScan } from '../../src/app/enqueueScan.js';
import { finishedJob, leakyRepo, scanJobData, scanWorkerRig } from '../support/scanJobRuns.js';
import { TestRepo } from '../support/gitRepo.js';

const OWNER = 'Codertocat';
const rig = scanWorkerRig('checkrun-names');

describe('check run names', () => {
  it('a pull request scan publishes `keywarden / pull request`; a later push scan of the same head does not hide it', async () => {
    const { repo, base, head } = leakyRepo(rig, 0);
    const name = 'pr-and-push';
    rig.gh.addPull(OWNER, name, { number: 5, baseSha: base, headSha: head });
    const pr = await enqueueScan(rig.queue, scanJobData(repo, OWNER, name, { base, head, pullNumber: 5 }));
    expect(await (await finishedJob(rig.queue, pr, rig.gh.violations)).getState()).toBe('completed');
    // The push scan of the same head covers only head..head (nothing new): clean, success.
    const push = await enqueueScan(rig.queue, scanJobData(repo, OWNER, name, { base: head, head }));
    expect(await (await finishedJob(rig.queue, push, rig.gh.violations)).getState()).toBe('completed');

    const runs = rig.gh.state.checkRuns.filter((c) => c.repo === name && c.head_sha === head);
    expect(runs.map((r) => r.name).sort()).toEqual(['keywarden', 'keywarden / pull request']);
    expect(runs.find((r) => r.name === 'keywarden / pull request')).toMatchObject({ status: 'completed', conclusion: 'failure' });
    // What the merge box sees: the latest run of each name.
    const latestOf = (n: string) => runs.filter((r) => r.name === n).sort((a, b) => b.id - a.id)[0];
    expect(latestOf('keywarden / pull request')).toMatchObject({ conclusion: 'failure' });
    expect(latestOf('keywarden')).toMatchObject({ conclusion: 'success' });
    expect(rig.gh.violations).toEqual([]);
  });

  it('a push scan keeps the name `keywarden`', async () => {
    const repo = rig.track(new TestRepo());
    const base = repo.commit({ 'README.md': 'hello\n' }, 'base');
    const head = repo.commit({ 'README.md': 'hello again\n' }, 'edit');
    const name = 'push-only';
    const push = await enqueueScan(rig.queue, scanJobData(repo, OWNER, name, { base, head }));
    expect(await (await finishedJob(rig.queue, push, rig.gh.violations)).getState()).toBe('completed');
    const runs = rig.gh.state.checkRuns.filter((c) => c.repo === name && c.head_sha === head);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ name: 'keywarden', conclusion: 'success' });
    expect(rig.gh.violations).toEqual([]);
  });
});
