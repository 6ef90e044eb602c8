// A scan's check run exists from the moment the job starts (`in_progress`), and a job that
// fails for good still ends it (`failure`, or `timed_out` for a timeout) with the reason, so
// a required check never waits forever. Real Redis and BullMQ, real git repositories, the
// scan worker, and the OpenAPI-validated GitHub stand-in.
import { describe, expect, it } from 'vitest';
import { enqueueScan, scanJobId } from '../../src/app/enqueueScan.js';
import { isTimeout } from '../../src/app/publish/scanCheckRunState.js';
import { finishedJob, leakyRepo, scanJobData, scanWorkerRig } from '../support/scanJobRuns.js';

const OWNER = 'Codertocat';
const rig = scanWorkerRig('checkrun-lifecycle');
const callsTo = (operationId: string, name: string) => rig.gh.requests.filter((r) => r.operationId === operationId && r.url.includes(`/${OWNER}/${name}/`));

describe('check run lifecycle', () => {
  it('opens the run in_progress when the job starts, then completes that same run', async () => {
    const { repo, base, head } = leakyRepo(rig, 1);
    const name = 'in-progress-first';
    const jobId = await enqueueScan(rig.queue, scanJobData(repo, OWNER, name, { base, head }));
    expect(await (await finishedJob(rig.queue, jobId, rig.gh.violations)).getState()).toBe('completed');
    const creates = callsTo('checks/create', name);
    expect(creates).toHaveLength(1);
    expect(JSON.parse(creates[0].body)).toMatchObject({ status: 'in_progress', name: 'keywarden', head_sha: head, external_id: jobId });
    // The scan's first GitHub write is the in_progress run: before any of its git work is reported.
    const runs = rig.gh.state.checkRuns.filter((c) => c.repo === name);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(rig.gh.violations).toEqual([]);
  });

  it('closes the run as failure, with the reason, when the job fails for good', async () => {
    const { repo, base, head } = leakyRepo(rig, 0);
    const name = 'fails-for-good';
    const data = { ...scanJobData(repo, OWNER, name, { base, head, pullNumber: 9 }), cloneUrl: `${repo.cloneUrl}-gone` };
    rig.gh.addPull(OWNER, name, { number: 9, baseSha: base, headSha: head });
    const jobId = scanJobId(data);
    await rig.queue.add(data.event, data, { jobId, attempts: 2, backoff: { type: 'fixed', delay: 10 } });
    const job = await finishedJob(rig.queue, jobId, rig.gh.violations);
    expect(await job.getState()).toBe('failed');
    let run;
    for (let i = 0; i < 100 && run?.status !== 'completed'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      run = rig.gh.state.checkRuns.find((c) => c.repo === name && c.head_sha === head);
    }
    expect(run).toMatchObject({ name: 'keywarden / pull request', status: 'completed', conclusion: 'failure', external_id: jobId });
    expect(run?.output?.title).toBe('Scan failed');
    expect(run?.output?.summary).toMatch(/after 2 attempts: git fetch failed/);
    expect(rig.gh.state.checkRuns.filter((c) => c.repo === name)).toHaveLength(1);
    expect(rig.gh.violations).toEqual([]);
  });

  it('tells a timeout from other failures', () => {
    expect(isTimeout(new Error('git fetch failed: block timeout reached'))).toBe(true);
    expect(isTimeout(new Error('git fetch failed: repository not found'))).toBe(false);
  });
});
