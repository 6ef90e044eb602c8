// A scan job that runs again must not report twice. Real Redis and BullMQ (the job's own
// retry options), a real git repository, the scan worker, and the OpenAPI-validated GitHub
// stand-in, which fails chosen calls: before acting (the job fails and BullMQ retries it)
// or after acting (GitHub stored the write, the worker only saw a 502).
import { describe, expect, it } from 'vitest';
import type { Job } from 'bullmq';
import type { ScanJobData } from '../../src/app/scanJobData.js';
import { enqueueScan, scanJobId } from '../../src/app/enqueueScan.js';
import type { StoredCheckRun } from '../support/githubStandInHandlers.js';
import type { TestRepo } from '../support/gitRepo.js';
import { finishedJob, leakyRepo, scanJobData, scanWorkerRig } from '../support/scanJobRuns.js';

const OWNER = 'Codertocat';
const rig = scanWorkerRig('checkrun-retry');

/** A repository whose head commit adds one live secret key and 55 public keys: 56 annotations, two API calls' worth. */

const jobData = (repo: TestRepo, name: string, o: { base: string; head: string; pullNumber?: number }) => scanJobData(repo, OWNER, name, o);
const finished = (jobId: string) => finishedJob(rig.queue, jobId, rig.gh.violations);

/** Each annotation GitHub holds, by position and message (the message names the finding's fingerprint). */
const annotationKeys = (run: StoredCheckRun) => run.annotations.map((a) => `${a.path}:${a.start_line}:${a.start_column}:${a.message}`);
const checkRunsFor = (name: string, sha: string) => rig.gh.state.checkRuns.filter((c) => c.repo === name && c.head_sha === sha);
const callsTo = (operationId: string, name: string) => rig.gh.requests.filter((r) => r.operationId === operationId && r.url.includes(`/${OWNER}/${name}/`));

describe('check run idempotency', () => {
  it('a scan retried after the pull request review failed keeps one check run, each annotation once', async () => {
    const { repo, base, head } = leakyRepo(rig, 55);
    const name = 'retry-after-review';
    rig.gh.addPull(OWNER, name, { number: 3, baseSha: base, headSha: head });
    rig.gh.failOperation({ operationId: 'pulls/create-review', status: 500 });
    const failedOnce = new Promise<Job<ScanJobData> | undefined>((resolve) => rig.worker.worker.once('failed', (job) => resolve(job)));

    const jobId = await enqueueScan(rig.queue, jobData(repo, name, { base, head, pullNumber: 3 }));
    const failed = await failedOnce;
    rig.gh.clearOperationFaults();
    expect(failed?.id).toBe(jobId);
    expect(checkRunsFor(name, head)).toHaveLength(1);

    const job = await finished(jobId);
    expect(job.failedReason).toMatch(/Server Error|500/);
    expect(await job.getState()).toBe('completed');
    const runs = checkRunsFor(name, head);
    expect(runs).toHaveLength(1);
    expect(callsTo('checks/create', name)).toHaveLength(1);
    const [run] = runs;
    expect(run).toMatchObject({ name: 'keywarden / pull request', status: 'completed', conclusion: 'failure', external_id: scanJobId(job.data) });
    const keys = annotationKeys(run);
    expect(keys).toHaveLength(56);
    expect(new Set(keys).size).toBe(56);
    expect(run.annotationBatches.every((n) => n <= 50)).toBe(true);
    expect(rig.gh.state.reviews.filter((r) => r.repo === name)).toHaveLength(1);
    const comments = rig.gh.state.reviewComments.filter((c) => c.repo === name);
    expect(comments).toHaveLength(56);
    expect(new Set(comments.map((c) => `${c.path}:${c.line}`)).size).toBe(56);
    expect(rig.gh.violations).toEqual([]);
  });

  it('a check run write that failed after GitHub acted is not repeated blindly', async () => {
    const { repo, base, head } = leakyRepo(rig, 55);
    const name = 'lost-answers';
    rig.gh.failOperation({ operationId: 'checks/create', status: 502, times: 1, afterActing: true });
    rig.gh.failOperation({ operationId: 'checks/update', status: 502, times: 1, afterActing: true });

    const job = await finished(await enqueueScan(rig.queue, jobData(repo, name, { base, head })));
    rig.gh.clearOperationFaults();
    expect(await job.getState()).toBe('completed');
    // Each lost answer failed an attempt (a write sent once is never re-sent in-process, and no
    // step loops around it); the job's next attempt found what GitHub held and went on from it.
    expect(job.attemptsMade).toBeGreaterThanOrEqual(2);
    expect(job.failedReason).toMatch(/502|Server Error/);
    // Both faults fired: the stand-in stored a run and a batch whose answers were 502.
    expect(callsTo('checks/create', name).map((r) => r.status)).toEqual([502]);
    expect(callsTo('checks/update', name).map((r) => r.status)[0]).toBe(502);
    const runs = checkRunsFor(name, head);
    expect(runs).toHaveLength(1);
    const keys = annotationKeys(runs[0]);
    expect(keys).toHaveLength(56);
    expect(new Set(keys).size).toBe(56);
    expect(runs[0]).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(rig.gh.violations).toEqual([]);
  });

  it('a different scan of the same commit gets its own check run, and a repeat finds its own', async () => {
    const { repo, base, head } = leakyRepo(rig, 55);
    const name = 'push-and-pr';
    rig.gh.addPull(OWNER, name, { number: 4, baseSha: base, headSha: head });
    const push = jobData(repo, name, { base, head });
    const pushJob = await finished(await enqueueScan(rig.queue, push));
    await finished(await enqueueScan(rig.queue, jobData(repo, name, { base, head, pullNumber: 4 })));
    expect(checkRunsFor(name, head)).toHaveLength(2);

    // The push's webhook again, after its job was cleaned up: by now the pull request's run
    // is the newest `keywarden` run on the commit, and the push scan must still find its own.
    await pushJob.remove();
    await finished(await enqueueScan(rig.queue, push));
    const runs = checkRunsFor(name, head);
    expect(runs).toHaveLength(2);
    expect(new Set(runs.map((r) => r.external_id))).toEqual(new Set([scanJobId(push), scanJobId(jobData(repo, name, { base, head, pullNumber: 4 }))]));
    for (const run of runs) {
      expect(annotationKeys(run)).toHaveLength(56);
      expect(new Set(annotationKeys(run)).size).toBe(56);
    }
    expect(rig.gh.violations).toEqual([]);
  });
});
