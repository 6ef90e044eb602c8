// An empty repository (created, nothing pushed yet) ends its scan job quietly: completed
// after one attempt, nothing scanned, no check run, no baseline issue, no warning or error in
// the logs. GitHub's side is the OpenAPI-validated stand-in answering as GitHub does for an
// empty repository (size 0; 409 "Git Repository is empty." when listing commits; 422 for a
// check run on a commit it does not have); git's side is a real repository with no commits.
// A fetch that fails in a repository that has commits still fails the job.
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { enqueueScan, scanJobId } from '../../src/app/enqueueScan.js';
import { scanJobsForInstallation } from '../../src/app/handlers/installation.js';
import { scanJobsForPush } from '../../src/app/handlers/push.js';
import { InvalidPayload } from '../../src/app/handlers/payload.js';
import type { HandlerOutcome } from '../../src/app/handlers/push.js';
import type { ScanJobData } from '../../src/app/scanJobData.js';
import { TestRepo } from '../support/gitRepo.js';
import { finishedJob, scanWorkerRig } from '../support/scanJobRuns.js';
import { pointAtRepo, pushExample, webhookExample } from '../support/webhookExamples.js';

const OWNER = 'Codertocat';
const logLines: Array<{ level: number; msg: string; repo?: string; jobId?: string }> = [];
const sink = new Writable({ write(chunk, _enc, cb) { for (const l of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(l)); cb(); } });
const rig = scanWorkerRig('empty-repo', { log: pino({ level: 'info' }, sink) });

function onlyJob(out: HandlerOutcome): ScanJobData {
  if (out instanceof InvalidPayload) throw new Error(`payload refused: ${out.reason}`);
  expect(out.jobs.length).toBeGreaterThan(0);
  return out.jobs[0];
}

/**
 * The job's log lines at warn (40) or above since `from`. (The worker's Redis connection
 * warnings, which a loaded machine can cause at any time, belong to no job.)
 */
const warnings = (from: number, jobId: string, name: string) => logLines.slice(from).filter((l) => l.level >= 40 && (l.jobId === jobId || l.repo === name)).map((l) => l.msg);

/** Runs the job and checks it ended quietly: completed at once, nothing scanned or reported, nothing logged above info. */
async function endsQuietly(data: ScanJobData, name: string): Promise<void> {
  const from = logLines.length;
  const jobId = await enqueueScan(rig.queue, data);
  const job = await finishedJob(rig.queue, jobId, rig.gh.violations);
  expect(job.failedReason).toBeUndefined();
  expect(await job.getState()).toBe('completed');
  expect(job.attemptsMade).toBe(1);
  expect(job.returnvalue).toMatchObject({ commits: 0, findings: 0, emptyRepository: true });
  expect(rig.gh.state.checkRuns.filter((c) => c.repo === name)).toEqual([]);
  expect(rig.gh.requests.some((r) => r.operationId === 'repos/list-commits' && r.status === 409 && r.url.includes(`/${name}/`))).toBe(true);
  expect(warnings(from, jobId, name)).toEqual([]);
  expect(logLines.slice(from).some((l) => l.msg === 'the repository is empty: nothing to scan' && l.repo === name)).toBe(true);
  expect(rig.gh.violations).toEqual([]);
}

describe('an empty repository', () => {
  it('ends an installation baseline job quietly: no retry, no baseline issue, no warning', async () => {
    const repo = rig.track(new TestRepo());
    const name = 'empty-installed';
    rig.gh.markEmpty(OWNER, name);
    const p = webhookExample('installation', (x) => x.action === 'created');
    p.repositories = [{ ...p.repositories[0], name, full_name: `${OWNER}/${name}` }];
    // The payload names no clone URL; the stand-in's repository has none either: use the test's.
    const data = { ...onlyJob(scanJobsForInstallation(p, { receivedAt: Date.now(), deliveryId: randomUUID() }, { webUrl: 'https://github.com' })), cloneUrl: repo.cloneUrl };
    await endsQuietly(data, name);
    expect(rig.gh.state.issues.filter((i) => i.repo === name)).toEqual([]);
  });

  it('ends a push job quietly: no check run (GitHub takes none on its commits), no retry, no warning', async () => {
    const repo = rig.track(new TestRepo());
    const name = 'empty-pushed';
    rig.gh.markEmpty(OWNER, name);
    // The example's first push of `main`: GitHub would take no check run on its commit here.
    const p = pointAtRepo(pushExample(), OWNER, name, repo.cloneUrl);
    p.ref = 'refs/heads/main';
    await endsQuietly(onlyJob(scanJobsForPush(p, { receivedAt: Date.now(), deliveryId: randomUUID() })), name);
  });

  it('is told from a repository with commits whose fetch fails: that job still fails', async () => {
    const repo = rig.track(new TestRepo());
    const base = repo.commit({ 'README.md': 'hello\n' }, 'base');
    const name = 'not-empty';
    const data: ScanJobData = { receivedAt: Date.now(), installationId: 1, owner: OWNER, repo: name, cloneUrl: `${repo.cloneUrl}-gone`, defaultBranch: 'main', event: 'push', before: '0'.repeat(40), after: base, ref: 'refs/heads/main' };
    const jobId = scanJobId(data);
    await rig.queue.add(data.event, data, { jobId, attempts: 1 });
    const job = await finishedJob(rig.queue, jobId, rig.gh.violations);
    expect(await job.getState()).toBe('failed');
    expect(job.failedReason).toMatch(/git fetch failed/);
    expect(rig.gh.requests.some((r) => r.operationId === 'repos/list-commits' && r.status === 200 && r.url.includes(`/${name}/`))).toBe(true);
    expect(rig.gh.violations).toEqual([]);
  });
});
