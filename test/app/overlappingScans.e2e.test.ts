// Two runs of one scan at once: BullMQ hands a job whose lock ran out (its worker stalled,
// or lost Redis for a moment) to another worker while the first run still goes on. Both reach
// the report step; GitHub is slow to answer the look-ups, so without something keeping the
// runs apart both look, both find nothing and both create. Real Redis, two real scan workers
// on one queue, a real git repository, and the OpenAPI-validated GitHub stand-in.
import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { LEAK_MARKER_RE } from '../../src/app/publish/findingText.js';
import { enqueueScan, scanJobId } from '../../src/app/enqueueScan.js';
import { finishedJob, leakyRepo, scanJobData, scanWorkerRig } from '../support/scanJobRuns.js';

const OWNER = 'Codertocat';
// A short stall check, so that the job whose lock is gone runs again within a second.
const rig = scanWorkerRig('overlap', { workers: 2, lock: { stalledInterval: 200 } });

const markersIn = (text: string) => [...text.matchAll(LEAK_MARKER_RE)].map((m) => m[1]);
const callsTo = (operationId: string, name: string) => rig.gh.requests.filter((r) => r.operationId === operationId && r.url.includes(`/${OWNER}/${name}/`));

describe('overlapping runs of one scan', () => {
  it('leave one check run and one review', async () => {
    const name = 'overlapping-runs';
    const { repo, base, head } = leakyRepo(rig, 3);
    rig.gh.addPull(OWNER, name, { number: 7, baseSha: base, headSha: head });
    const data = scanJobData(repo, OWNER, name, { base, head, pullNumber: 7 });

    const stalled = new Promise<string>((resolve) => { for (const w of rig.workers) w.worker.once('stalled', (id) => resolve(id)); });

    const jobId = await enqueueScan(rig.queue, data);
    // The run opens its check run in_progress first; the holds are for the report step's look-ups.
    for (let i = 0; callsTo('checks/create', name).length === 0; i++) {
      if (i > 300) throw new Error(`the scan never opened its check run; violations: ${rig.gh.violations.join(' | ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const lookupsBefore = callsTo('checks/list-for-ref', name).length;
    // Each look-up is answered when both runs have asked, or after 3 s.
    const runLookups = rig.gh.holdOperation({ operationId: 'checks/list-for-ref', calls: 2, maxWaitMs: 3_000 });
    const reviewLookups = rig.gh.holdOperation({ operationId: 'pulls/list-reviews', calls: 2, maxWaitMs: 3_000 });
    // The first run is in its report step, waiting for the check run look-up...
    for (let i = 0; callsTo('checks/list-for-ref', name).length === lookupsBefore; i++) {
      if (i > 300) throw new Error(`the scan never looked for its check run; violations: ${rig.gh.violations.join(' | ')}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    // ...when its job lock runs out: BullMQ's stall check hands the job to a worker again.
    const redis = new Redis({ host: '127.0.0.1', port: 6379 });
    try {
      expect(await redis.del(`${rig.prefix}:scan:${jobId}:lock`)).toBe(1);
    } finally {
      await redis.quit();
    }
    expect(await stalled).toBe(jobId);

    const job = await finishedJob(rig.queue, jobId, rig.gh.violations);
    expect(await job.getState()).toBe('completed');
    // Two runs: each read the repository's config. (The second run waits for the scan's
    // report lock already when it opens its check run in_progress, so it reads the config
    // while or after the first reports; either way it must find and update the first's work.)
    const configReads = callsTo('repos/get-content', name);
    expect(configReads).toHaveLength(2);

    const runs = rig.gh.state.checkRuns.filter((c) => c.repo === name && c.head_sha === head);
    expect(runs).toHaveLength(1);
    expect(callsTo('checks/create', name)).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'completed', conclusion: 'failure', external_id: scanJobId(data) });
    expect(new Set(runs[0].annotations.map((a) => `${a.path}:${a.start_line}:${a.start_column}:${a.message}`)).size).toBe(runs[0].annotations.length);
    expect(runs[0].annotations).toHaveLength(4);

    const reviews = rig.gh.state.reviews.filter((r) => r.repo === name);
    expect(reviews).toHaveLength(1);
    const comments = rig.gh.state.reviewComments.filter((c) => c.repo === name);
    expect(comments).toHaveLength(4);
    expect(new Set(comments.flatMap((c) => markersIn(c.body))).size).toBe(4);
    expect(job.returnvalue).toMatchObject({ checkRunId: runs[0].id, reviewId: reviews[0].id });

    // The runs never looked up at the same time: each hold ran out with one call in it.
    expect(await runLookups).toEqual({ held: 1, releasedBy: 'timeout' });
    expect(await reviewLookups).toEqual({ held: 1, releasedBy: 'timeout' });
    expect(rig.gh.violations).toEqual([]);
  }, 60_000);
});
