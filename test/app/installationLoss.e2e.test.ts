// A scan whose installation is lost while it waits or runs, against the GitHub stand-in: GitHub
// answers the token request 404 once the App is uninstalled and 403 while the installation
// is suspended (a token made before the suspension gets 403 too). The job ends for good at
// its first attempt, logged once, instead of 5 attempts; a suspended installation's scan runs
// after `installation.unsuspend`. And a repository removed and added again gets a new
// baseline scan and a new baseline issue.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { SCAN_QUEUE } from '../../src/queue/queues.js';
import type { ScanJobData } from '../../src/app/scanJobData.js';
import { startServer, type RunningServer } from '../../src/app/server.js';
import { startScanWorker, type ScanWorkerHandle } from '../../src/app/scanWorker.js';
import { enqueueScan } from '../../src/app/enqueueScan.js';
import { BaselineStore } from '../../src/app/baselineStore.js';
import { formatToken } from '../../src/keyformat/keyFormat.js';
import { startGitHubStandIn, type GitHubStandIn } from '../support/githubStandIn.js';
import { handlers } from '../support/githubStandInHandlers.js';
import { TestRepo } from '../support/gitRepo.js';
import { ensureBuilt } from '../support/ensureBuilt.js';
import { finishedJob, scanJobData } from '../support/scanJobRuns.js';
import { deliverWebhook } from '../support/webhookDelivery.js';
import { webhookExample } from '../support/webhookExamples.js';

const PREFIX = `kw-app-loss-${randomUUID().slice(0, 8)}`;
const SECRET = 'installation-loss-secret';
const OWNER = 'Codertocat';
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

let gh: GitHubStandIn;
let server: RunningServer;
let worker: ScanWorkerHandle;
let redis: Redis;
// The test's own view of the scan queue, on an ordinary connection (the server's fails fast by design).
let queue: Queue<ScanJobData>;
const logLines: Array<Record<string, unknown>> = [];
const repos = new Map<string, TestRepo>();
const originalReposGet = handlers['repos/get'];

beforeAll(async () => {
  ensureBuilt();
  gh = await startGitHubStandIn();
  redis = new Redis({ host: '127.0.0.1', port: 6379 });
  queue = new Queue<ScanJobData>(SCAN_QUEUE, { connection: { host: '127.0.0.1', port: 6379 }, prefix: PREFIX });
  // GET /repos/{owner}/{repo} tells a baseline scan where its repository clones from.
  handlers['repos/get'] = (i) => ({ status: 200, body: { ...(originalReposGet(i).body as object), clone_url: repos.get(i.params.repo)?.cloneUrl } });
  server = await startServer({ appId: 1, privateKey, webhookSecret: SECRET, redis: 'redis://127.0.0.1:6379', prefix: PREFIX, baseUrl: gh.url, port: 0, log: pino({ level: 'silent' }) });
  // Locks long enough that a loaded machine never hands a job to a second run (which would
  // make a second token request); the lock tuning itself is tested elsewhere.
  const log = pino({ level: 'info' }, { write: (line: string) => void logLines.push(JSON.parse(line) as Record<string, unknown>) });
  worker = startScanWorker({ redis: 'redis://127.0.0.1:6379', prefix: PREFIX, appId: 1, privateKey, baseUrl: gh.url, allowLocalClone: true, handleSignals: false, log, githubRetry: { retries: 2, baseDelayMs: 10, maxDelayMs: 50 }, lock: { lockDuration: 60_000, stalledInterval: 60_000 } });
});

afterAll(async () => {
  handlers['repos/get'] = originalReposGet;
  await worker?.close();
  await server?.close();
  await queue?.close();
  const keys = await redis.keys(`${PREFIX}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
  await gh?.close();
  for (const r of repos.values()) r.remove();
});

function leakyPush(name: string, installationId: number) {
  const repo = new TestRepo();
  repos.set(name, repo);
  const base = repo.commit({ 'README.md': 'hello\n' }, 'base');
  const head = repo.commit({ 'config/prod.env': `KEYSERVICE_SECRET_KEY=${formatToken('secret', 'live')}\n` }, 'add key');
  return { ...scanJobData(repo, OWNER, name, { base, head }), installationId };
}

const tokenRequests = (installationId: number) => gh.requests.filter((r) => r.method === 'POST' && r.url.endsWith(`/app/installations/${installationId}/access_tokens`));
const linesAbout = (jobId: string) => logLines.filter((l) => l.jobId === jobId && Number(l.level) >= 40);

/** Waits for the job to fail, and checks it failed for good at its first attempt, logged once with `code`. */
async function endedForGood(jobId: string, code: string) {
  await finishedJob(queue, jobId, gh.violations);
  // Read again: finishedJob's copy may have been read just before the job failed.
  const job = (await queue.getJob(jobId))!;
  expect(await job.getState()).toBe('failed');
  expect(job.attemptsMade).toBe(1);
  expect(linesAbout(jobId)).toEqual([expect.objectContaining({ final: true, code })]);
  return job;
}

/** A first scan of the installation (the worker then holds its token), the loss, and a scan that meets it. */
async function scanAfterLoss(id: number, name: string, loss: 'uninstalled' | 'suspended') {
  const first = await finishedJob(queue, await enqueueScan(queue, leakyPush(`${name}-ok`, id)), gh.violations);
  expect(await first.getState()).toBe('completed');
  gh.setInstallation(id, loss);
  return endedForGood(await enqueueScan(queue, leakyPush(name, id)), loss === 'uninstalled' ? 'INSTALLATION_GONE' : 'INSTALLATION_SUSPENDED');
}

describe('a scan whose installation is lost', () => {
  it('ends for good at its first attempt when the App was uninstalled: one token request, one log line, no check run', async () => {
    const id = 8101;
    gh.setInstallation(id, 'uninstalled');
    const job = await endedForGood(await enqueueScan(queue, leakyPush('uninstalled', id)), 'INSTALLATION_GONE');
    expect(job.failedReason).toMatch(/installation 8101 is gone/);
    expect(tokenRequests(id).map((r) => r.status)).toEqual([404]);
    // Give a (wrong) attempt to close the check run time to show.
    await new Promise((r) => setTimeout(r, 300));
    expect(tokenRequests(id)).toHaveLength(1);
    expect(linesAbout(job.id!)).toHaveLength(1);
    expect(gh.state.checkRuns.filter((c) => c.repo === 'uninstalled')).toEqual([]);
    expect(gh.violations).toEqual([]);
  });

  it('ends for good at its first attempt when the App was uninstalled after the worker got its token (401 on the revoked token)', async () => {
    const id = 8104;
    const job = await scanAfterLoss(id, 'revoked', 'uninstalled');
    expect(job.failedReason).toMatch(/installation 8104 is gone/);
    // (@octokit/auth-app itself repeats a 401 within 5 s of making the token: replication lag.)
    expect(new Set(gh.requestsContaining('/repos/Codertocat/revoked/').map((r) => r.status))).toEqual(new Set([401]));
    // The worker asked GitHub, as the App, what became of the installation.
    expect(gh.requests.filter((r) => r.operationId === 'apps/get-installation' && r.url.endsWith(`/${id}`)).map((r) => r.status)).toEqual([404]);
    expect(gh.violations).toEqual([]);
  });

  it('ends for good at once while suspended, and runs when installation.unsuspend arrives', async () => {
    const id = 8102;
    gh.setInstallation(id, 'suspended');
    const data = leakyPush('suspended', id);
    const jobId = await enqueueScan(queue, data);
    const failed = await endedForGood(jobId, 'INSTALLATION_SUSPENDED');
    expect(failed.failedReason).toMatch(/suspended/);
    expect(tokenRequests(id).map((r) => r.status)).toEqual([403]);

    gh.setInstallation(id, 'active');
    const unsuspend = webhookExample('installation', (x) => x.action === 'unsuspend');
    unsuspend.installation.id = id;
    expect((await deliverWebhook(server.url, 'installation', unsuspend, SECRET)).status).toBe(200);
    const ran = await waitForState(jobId, 'completed');
    expect(ran.returnvalue.findings).toBe(1);
    const runs = gh.state.checkRuns.filter((c) => c.repo === 'suspended' && c.head_sha === data.after);
    expect(runs.map((c) => c.conclusion)).toEqual(['failure']);
    expect(gh.violations).toEqual([]);
  });

  it('ends for good at once when a token made before the suspension is refused 403', async () => {
    const id = 8103;
    await scanAfterLoss(id, 'cached-suspended', 'suspended');
    // The worker used its cached token: the only token requests are the first scan's (the
    // installation's token and its narrowed git token), and GitHub refused the call itself.
    expect(tokenRequests(id).map((r) => r.status)).toEqual([201, 201]);
    expect(gh.requestsContaining('/repos/Codertocat/cached-suspended/').map((r) => r.status)).toEqual([403]);
    expect(gh.violations).toEqual([]);
    gh.setInstallation(id, 'active');
  });
});

async function waitForState(jobId: string, state: 'completed' | 'failed') {
  for (let i = 0; i < 600; i++) {
    const job = await queue.getJob(jobId);
    if (job && (await job.getState()) === state) return job;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${jobId} never ${state}; violations: ${gh.violations.join(' | ')}`);
}

async function baselineScans(repo: string, count: number) {
  for (let i = 0; i < 600; i++) {
    const jobs = (await queue.getJobs(['completed', 'failed'])).filter((j) => j.data.repo === repo && j.data.event === 'installation');
    if (jobs.some((j) => j.failedReason)) throw new Error(`baseline scan failed: ${jobs.find((j) => j.failedReason)?.failedReason}`);
    if (jobs.length >= count) return jobs;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting for ${count} baseline scans of ${repo}; violations: ${gh.violations.join(' | ')}`);
}

describe('a repository removed and added again', () => {
  it('gets a new baseline scan, and a new baseline issue once the first was closed', async () => {
    const name = 'readded';
    const repo = new TestRepo();
    repos.set(name, repo);
    repo.commit({ 'config/old.env': `OLD_SECRET=${formatToken('secret', 'live')}\n` }, 'old key');
    const added = webhookExample('installation_repositories', (x) => x.action === 'added');
    const removed = webhookExample('installation_repositories', (x) => x.action === 'removed');
    added.repositories_added = [{ id: 99, node_id: 'R_99', name, full_name: `${OWNER}/${name}`, private: true }];
    removed.repositories_removed = added.repositories_added;
    removed.installation.id = added.installation.id;
    const baselines = new BaselineStore(redis, PREFIX);

    expect((await deliverWebhook(server.url, 'installation_repositories', added, SECRET)).status).toBe(200);
    await baselineScans(name, 1);
    const [first] = gh.state.issues.filter((i) => i.repo === name);
    expect(first.state).toBe('open');
    expect((await baselines.get(OWNER, name)).size).toBe(1);
    first.state = 'closed';

    expect((await deliverWebhook(server.url, 'installation_repositories', removed, SECRET)).status).toBe(200);
    expect((await baselines.get(OWNER, name)).size).toBe(0);
    expect((await deliverWebhook(server.url, 'installation_repositories', added, SECRET)).status).toBe(200);

    const scans = await baselineScans(name, 2);
    expect(scans.map((j) => j.returnvalue.findings)).toEqual([1, 1]);
    const issues = gh.state.issues.filter((i) => i.repo === name);
    expect(issues.map((i) => i.state)).toEqual(['closed', 'open']);
    expect((await baselines.get(OWNER, name)).size).toBe(1);
    expect(gh.violations).toEqual([]);
  });
});
