// A pushed tag is scanned. A new or moved tag, lightweight or annotated, scans what it adds
// over the default branch (as a new branch does), and reports on the commit it points to
// under its own check name, `keywarden / tag`: a tag on a commit whose branch push failed
// must not turn that commit's `keywarden` check green. Real payloads from
// @octokit/webhooks-examples through the push handler, real Redis and BullMQ, real git
// repositories, the scan worker, and the OpenAPI-validated GitHub stand-in.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { enqueueScan, scanJobId } from '../../src/app/enqueueScan.js';
import { scanJobsForPush } from '../../src/app/handlers/push.js';
import { InvalidPayload, ZERO_SHA } from '../../src/app/handlers/payload.js';
import type { ScanJobData } from '../../src/app/scanJobData.js';
import { formatToken } from '../../src/keyformat/keyFormat.js';
import { TestRepo } from '../support/gitRepo.js';
import { finishedJob, scanJobData, scanWorkerRig } from '../support/scanJobRuns.js';
import { pointAtRepo, tagPushExample } from '../support/webhookExamples.js';

const OWNER = 'Codertocat';
const rig = scanWorkerRig('tag-push');

/** The examples' tag push, rewritten to name this repository, tag and commits. */
function tagPayload(repo: TestRepo, name: string, o: { tag: string; before?: string; after: string; commit: string }) {
  const p = tagPushExample();
  p.ref = `refs/tags/${o.tag}`;
  p.before = o.before ?? ZERO_SHA;
  p.after = o.after;
  p.created = o.before === undefined;
  p.forced = o.before !== undefined;
  p.head_commit.id = o.commit;
  return pointAtRepo(p, OWNER, name, repo.cloneUrl);
}

function jobOf(payload: unknown): ScanJobData {
  const out = scanJobsForPush(payload, { receivedAt: Date.now(), deliveryId: randomUUID() });
  if (out instanceof InvalidPayload) throw new Error(`payload refused: ${out.reason}`);
  expect(out.jobs).toHaveLength(1);
  return out.jobs[0];
}

async function run(data: ScanJobData) {
  const jobId = await enqueueScan(rig.queue, data);
  const job = await finishedJob(rig.queue, jobId, rig.gh.violations);
  expect(job.failedReason).toBeUndefined();
  expect(await job.getState()).toBe('completed');
  return { jobId, result: job.returnvalue as { commits: number; findings: number } };
}

const runsOn = (name: string, sha: string) => rig.gh.state.checkRuns.filter((c) => c.repo === name && c.head_sha === sha);

/** A repository whose `release` branch adds a live secret key over a clean main. */
function releaseRepo() {
  const repo = rig.track(new TestRepo());
  const base = repo.commit({ 'README.md': 'hello\n' }, 'base');
  repo.branch('release');
  const leak = repo.commit({ 'deploy/prod.env': `KEYSERVICE_SECRET_KEY=${formatToken('secret', 'live')}\n` }, 'release settings');
  return { repo, base, leak };
}

describe('tag pushes', () => {
  it('a new lightweight tag is scanned over the default branch, and reported as `keywarden / tag` on its commit', async () => {
    const { repo, leak } = releaseRepo();
    const name = 'lightweight-tag';
    const tagged = repo.tag('v1.0.0', { at: leak });
    expect(tagged).toBe(leak);
    const data = jobOf(tagPayload(repo, name, { tag: 'v1.0.0', after: tagged, commit: leak }));
    expect(data).toMatchObject({ event: 'push', ref: 'refs/tags/v1.0.0', before: ZERO_SHA, after: leak });
    const { jobId, result } = await run(data);
    expect(result).toMatchObject({ commits: 1, findings: 1 });
    const runs = rig.gh.state.checkRuns.filter((c) => c.repo === name);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ name: 'keywarden / tag', head_sha: leak, status: 'completed', conclusion: 'failure', external_id: jobId });
    expect(runs[0].annotations.map((a) => a.path)).toEqual(['deploy/prod.env']);
    expect(rig.gh.violations).toEqual([]);
  });

  it('an annotated tag reports on the commit it points to (head_commit), not on the tag object (after)', async () => {
    const { repo, leak } = releaseRepo();
    const name = 'annotated-tag';
    const tagObject = repo.tag('v2.0.0', { at: leak, message: 'release 2.0.0' });
    expect(tagObject).not.toBe(leak);
    const data = jobOf(tagPayload(repo, name, { tag: 'v2.0.0', after: tagObject, commit: leak }));
    expect(data.after).toBe(leak);
    const { result } = await run(data);
    expect(result).toMatchObject({ commits: 1, findings: 1 });
    expect(runsOn(name, tagObject)).toEqual([]);
    expect(runsOn(name, leak)).toEqual([expect.objectContaining({ name: 'keywarden / tag', conclusion: 'failure' })]);
    expect(rig.gh.violations).toEqual([]);
  });

  it('a moved tag is scanned for everything its new commit adds over the default branch, not only since its old one', async () => {
    const { repo, leak } = releaseRepo();
    const name = 'moved-tag';
    const first = repo.tag('latest', { at: leak });
    const next = repo.commit({ 'CHANGELOG.md': 'next release\n' }, 'next release');
    const moved = repo.tag('latest', { at: next, force: true });
    const data = jobOf(tagPayload(repo, name, { tag: 'latest', before: first, after: moved, commit: next }));
    expect(data).toMatchObject({ before: leak, after: next });
    const { result } = await run(data);
    // main..next: the leak the tag still reaches is reported on the tag's new commit too.
    expect(result).toMatchObject({ commits: 2, findings: 1 });
    expect(runsOn(name, next)).toEqual([expect.objectContaining({ name: 'keywarden / tag', conclusion: 'failure' })]);
    expect(rig.gh.violations).toEqual([]);
  });

  it('a tag on a commit whose push failed adds its own run and leaves the failing `keywarden` run the latest of its name', async () => {
    const repo = rig.track(new TestRepo());
    const name = 'tag-on-main';
    const base = repo.commit({ 'README.md': 'hello\n' }, 'base');
    const leak = repo.commit({ 'config/prod.env': `KEYSERVICE_SECRET_KEY=${formatToken('secret', 'live')}\n` }, 'leak on main');
    const push = { ...scanJobData(repo, OWNER, name, { base, head: leak }), ref: 'refs/heads/main' };
    await run(push);
    repo.tag('v3.0.0', { at: leak });
    const tag = jobOf(tagPayload(repo, name, { tag: 'v3.0.0', after: leak, commit: leak }));
    // Same range as a new branch made at that commit, but a job (and a check run) of its own.
    expect(scanJobId(tag)).not.toBe(scanJobId({ ...tag, ref: 'refs/heads/v3.0.0' }));
    const { result } = await run(tag);
    // main already holds everything the tag reaches: nothing new to scan.
    expect(result).toMatchObject({ commits: 0, findings: 0 });
    const runs = runsOn(name, leak);
    expect(runs.map((r) => `${r.name}: ${r.conclusion}`).sort()).toEqual(['keywarden / tag: success', 'keywarden: failure']);
    // What GitHub shows per name: the latest run of each. The push scan's failure still stands.
    const latest = rig.gh.state.checkRuns.filter((c) => c.repo === name && c.name === 'keywarden').sort((a, b) => b.id - a.id)[0];
    expect(latest).toMatchObject({ conclusion: 'failure' });
    expect(rig.gh.violations).toEqual([]);
  });
});
