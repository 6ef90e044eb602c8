// GitHub's rate-limit rules, end to end: real Redis and BullMQ, the scan worker, a real git
// repository, and the OpenAPI-validated GitHub stand-in answering primary and secondary
// limits as GitHub documents them. A limited job is moved to the delayed set until GitHub's
// time (checked in Redis, not by the clock), no call is made for the installation meanwhile,
// and a wait is never cut short; retries happen in one layer only (counted calls).
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { Job } from 'bullmq';
import { SCAN_QUEUE } from '../../src/queue/queues.js';
import type { ScanJobData } from '../../src/app/scanJobData.js';
import { enqueueScan, scanJobId } from '../../src/app/enqueueScan.js';
import { finishedJob, leakyRepo, scanJobData, scanWorkerRig } from '../support/scanJobRuns.js';
import type { RecordedRequest } from '../support/githubStandIn.js';
import { matchOperation } from '../support/openapiContract.js';

const OWNER = 'Codertocat';
const rig = scanWorkerRig('ratelimits');
let redis: Redis;

beforeAll(() => {
  redis = new Redis({ host: '127.0.0.1', port: 6379 });
  // Parse GitHub's OpenAPI description now, not during the first test's first call: the
  // limits below must still be in force when that call arrives.
  matchOperation('GET', '/');
});
afterAll(async () => {
  await redis.quit();
});
afterEach(async () => {
  rig.gh.clearRateLimits();
  rig.gh.clearOperationFaults();
  // Every job of the rig is installation 1: a limit left over would hold the next test.
  await redis.del(`${rig.prefix}:keywarden:github-limited:1`);
});

/** Installation calls (not the app's own: installation tokens), i.e. the ones a limit refuses. */
const installationCalls = (since = 0): RecordedRequest[] => rig.gh.requests.slice(since).filter((r) => !new URL(r.url, 'http://x').pathname.startsWith('/app'));
const callsTo = (operationId: string, name: string) => rig.gh.requests.filter((r) => r.operationId === operationId && r.url.includes(`/${OWNER}/${name}/`));

/** When the delayed job is due (ms since epoch), read from BullMQ's delayed set in Redis. */
async function delayedUntil(jobId: string): Promise<number> {
  for (let i = 0; i < 300; i++) {
    const score = await redis.zscore(`${rig.prefix}:${SCAN_QUEUE}:delayed`, jobId);
    if (score !== null) return Math.floor(Number(score) / 0x1000);
    const job = await rig.queue.getJob(jobId);
    if (job && ['completed', 'failed'].includes(await job.getState())) throw new Error(`${jobId} ${await job.getState()} without a delay: ${job.failedReason}; refused calls: ${rig.gh.rateLimited.length}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${jobId} was never delayed; violations: ${rig.gh.violations.join(' | ')}`);
}

async function gateUntil(): Promise<number> {
  return Number(await redis.hget(`${rig.prefix}:keywarden:github-limited:1`, 'until'));
}

/** Lets a delayed job run now, as if its time had come (and the installation's limit with it). */
async function releaseNow(job: Job<ScanJobData> | undefined): Promise<void> {
  await redis.del(`${rig.prefix}:keywarden:github-limited:1`);
  await job?.promote();
}

/** Waits until `done()` holds, then a little longer, so that a call too many would show. */
async function settled(done: () => boolean): Promise<void> {
  for (let i = 0; !done() && i < 400; i++) await new Promise((r) => setTimeout(r, 25));
  await new Promise((r) => setTimeout(r, 300));
}

function leaky(name: string) {
  const { repo, base, head } = leakyRepo(rig, 1);
  return { data: scanJobData(repo, OWNER, name, { base, head }), head };
}

describe('GitHub rate limits', () => {
  it('a primary limit delays the job until x-ratelimit-reset: one refused call, no call until then, no attempt used', async () => {
    const { data } = leaky('primary-limit');
    const start = Date.now();
    const refusedBefore = rig.gh.rateLimited.length;
    // Longer than the few seconds a job may sleep in-process (github/retry.ts DEFAULT_BUDGET_MS).
    rig.gh.rateLimit({ kind: 'primary', status: 403, resetInSeconds: 10 });
    const jobId = await enqueueScan(rig.queue, data);
    const due = await delayedUntil(jobId);
    const resetMs = Math.ceil((start + 10_000) / 1000) * 1000;
    // Delayed to the reset itself (GitHub's epoch seconds), not "a few seconds".
    expect(due).toBeGreaterThanOrEqual(resetMs);
    expect(due).toBeLessThanOrEqual(resetMs + 5_000);
    expect(await gateUntil()).toBe(due);
    const job = await rig.queue.getJob(jobId);
    expect(job?.attemptsMade).toBe(0);

    const done = await finishedJob(rig.queue, jobId, rig.gh.violations);
    expect(await done.getState()).toBe('completed');
    // The one call that met the limit is the only call made while limited.
    expect(rig.gh.rateLimited.length - refusedBefore).toBe(1);
    expect(done.attemptsMade).toBe(1);
    expect(done.failedReason).toBeFalsy();
    expect(rig.gh.violations).toEqual([]);
  });

  it('429 with x-ratelimit-remaining: 0 is a primary limit too; other jobs of the installation are delayed without calling GitHub', async () => {
    const first = leaky('primary-429-a');
    const second = leaky('primary-429-b');
    rig.gh.rateLimit({ kind: 'primary', status: 429, resetInSeconds: 600 });
    const refusedBefore = rig.gh.rateLimited.length;
    const firstId = await enqueueScan(rig.queue, first.data);
    const firstDue = await delayedUntil(firstId);
    expect(firstDue).toBeGreaterThanOrEqual(Date.now() + 590_000);
    const callsBefore = installationCalls().length;

    const secondId = await enqueueScan(rig.queue, second.data);
    const secondDue = await delayedUntil(secondId);
    // Held by the installation's gate: same time, and not one call to GitHub for it.
    expect(secondDue).toBe(firstDue);
    expect(installationCalls().length).toBe(callsBefore);
    expect(rig.gh.rateLimited.length - refusedBefore).toBe(1);
    expect((await rig.queue.getJob(secondId))?.attemptsMade).toBe(0);

    // Promoted while the gate still says "limited": delayed again, still without a call.
    await (await rig.queue.getJob(secondId))?.promote();
    await new Promise((r) => setTimeout(r, 300));
    expect(await delayedUntil(secondId)).toBe(firstDue);
    expect(installationCalls().length).toBe(callsBefore);

    rig.gh.clearRateLimits();
    await releaseNow(await rig.queue.getJob(firstId));
    await releaseNow(await rig.queue.getJob(secondId));
    for (const id of [firstId, secondId]) expect(await (await finishedJob(rig.queue, id, rig.gh.violations)).getState()).toBe('completed');
  });

  it('a secondary limit with retry-after: 120 delays the job the full 120 s (not capped at 30 s)', async () => {
    const { data } = leaky('retry-after-120');
    const start = Date.now();
    const refusedBefore = rig.gh.rateLimited.length;
    rig.gh.rateLimit({ kind: 'secondary', status: 403, retryAfterSeconds: 120 });
    const jobId = await enqueueScan(rig.queue, data);
    const due = await delayedUntil(jobId);
    expect(due).toBeGreaterThanOrEqual(start + 120_000);
    expect(due).toBeLessThan(Date.now() + 125_000);
    expect(rig.gh.rateLimited.length - refusedBefore).toBe(1);
    const calls = installationCalls().length;
    await new Promise((r) => setTimeout(r, 500));
    expect(installationCalls().length).toBe(calls);

    rig.gh.clearRateLimits();
    await releaseNow(await rig.queue.getJob(jobId));
    const done = await finishedJob(rig.queue, jobId, rig.gh.violations);
    expect(await done.getState()).toBe('completed');
    expect(done.attemptsMade).toBe(1);
  });

  it('a limit met while reading .github/keywarden.yml delays the job too (it is not "cannot read the config")', async () => {
    const { data } = leaky('config-limited');
    const start = Date.now();
    rig.gh.rateLimit({ kind: 'secondary', status: 429, retryAfterSeconds: 90, operationId: 'repos/get-content' });
    const jobId = await enqueueScan(rig.queue, data);
    expect(await delayedUntil(jobId)).toBeGreaterThanOrEqual(start + 90_000);
    expect((await rig.queue.getJob(jobId))?.attemptsMade).toBe(0);
    rig.gh.clearRateLimits();
    await releaseNow(await rig.queue.getJob(jobId));
    expect(await (await finishedJob(rig.queue, jobId, rig.gh.violations)).getState()).toBe('completed');
  });

  it('a secondary limit without retry-after waits at least a minute, then longer if it happens again', async () => {
    const { data } = leaky('secondary-no-header');
    const start = Date.now();
    rig.gh.rateLimit({ kind: 'secondary', status: 403, times: 2 });
    const jobId = await enqueueScan(rig.queue, data);
    const due = await delayedUntil(jobId);
    expect(due).toBeGreaterThanOrEqual(start + 60_000);
    expect(due).toBeLessThan(Date.now() + 65_000);

    // Its time comes, and GitHub limits it again: the wait doubles (GitHub: back off exponentially).
    const again = Date.now();
    await redis.hset(`${rig.prefix}:keywarden:github-limited:1`, 'until', '0');
    await (await rig.queue.getJob(jobId))?.promote();
    for (let i = 0; rig.gh.rateLimited.length < 2 && i < 200; i++) await new Promise((r) => setTimeout(r, 25));
    const dueAgain = await delayedUntil(jobId);
    expect(dueAgain).toBeGreaterThanOrEqual(again + 120_000);

    await releaseNow(await rig.queue.getJob(jobId));
    expect(await (await finishedJob(rig.queue, jobId, rig.gh.violations)).getState()).toBe('completed');
  });

  it('one retry layer: a write that keeps failing is sent once per job attempt, a read (1 + retries) times per attempt', async () => {
    const { data } = leaky('one-layer');
    const name = 'one-layer';
    rig.gh.failOperation({ operationId: 'checks/create', status: 502 });
    const jobId = scanJobId(data);
    await rig.queue.add(data.event, data, { jobId, attempts: 2, backoff: { type: 'fixed', delay: 50 } });
    const failed = await finishedJob(rig.queue, jobId, rig.gh.violations);
    expect(await failed.getState()).toBe('failed');
    expect(failed.attemptsMade).toBe(2);
    // Two attempts, then the worker closes the run of the job that failed for good: three
    // look-then-create steps. Each create sent once (ONE_TRY: no client retry, no step loop),
    // each look-up made once (no step loop re-reading it).
    await settled(() => callsTo('checks/create', name).length >= 3);
    expect(callsTo('checks/create', name)).toHaveLength(3);
    expect(callsTo('checks/list-for-ref', name)).toHaveLength(3);

    rig.gh.clearOperationFaults();
    rig.gh.failOperation({ operationId: 'checks/list-for-ref', status: 502 });
    const read = leaky('one-layer-read');
    const readId = scanJobId(read.data);
    await rig.queue.add(read.data.event, read.data, { jobId: readId, attempts: 2, backoff: { type: 'fixed', delay: 50 } });
    expect(await (await finishedJob(rig.queue, readId, rig.gh.violations)).getState()).toBe('failed');
    // The rig's client retries a read twice (githubRetry.retries = 2): 3 calls for each of the
    // 2 attempts and for the closing of the failed job's run; 3 x 3 x 2 before, with the step loop.
    await settled(() => callsTo('checks/list-for-ref', 'one-layer-read').length >= 9);
    expect(callsTo('checks/list-for-ref', 'one-layer-read')).toHaveLength(9);
    expect(callsTo('checks/create', 'one-layer-read')).toHaveLength(0);
  });
});
