// The installation baseline against the GitHub stand-in and a real key service: installing
// the App rolls no old key unless `rotation.baseline: true`; the baseline issue lists each
// key's state from the key service's verify either way; and the issue is found again by
// listing labelled issues (the Search API's index lags) and created once-only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../src/app/server.js';
import { startScanWorker, type ScanWorkerHandle } from '../../src/app/scanWorker.js';
import { publishBaselineIssue } from '../../src/app/publish/baselineIssue.js';
import { gitHubApp } from '../../src/github/client.js';
import { KeyServiceRotator } from '../../src/rotation/keyServiceRotator.js';
import { sha256Hex } from '../../src/rotation/rotator.js';
import { Scanner } from '../../src/scan/index.js';
import { loadBuiltinRules } from '../../src/config/loadRules.js';
import { startGitHubStandIn, type GitHubStandIn } from '../support/githubStandIn.js';
import { handlers } from '../support/githubStandInHandlers.js';
import { TestRepo } from '../support/gitRepo.js';
import { ensureBuilt } from '../support/ensureBuilt.js';
import { deliverWebhook } from '../support/webhookDelivery.js';
import { webhookExample } from '../support/webhookExamples.js';
import { startKeyServiceHarness, type KeyServiceHarness } from '../rotation/keyServiceHarness.js';

const PREFIX = `kw-app-baseline-${randomUUID().slice(0, 8)}`;
const SECRET = 'baseline-webhook-secret';
const OWNER = 'Codertocat';
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const log = pino({ level: 'silent' });

let gh: GitHubStandIn;
let ks: KeyServiceHarness;
let server: RunningServer;
let worker: ScanWorkerHandle;
let redis: Redis;
const repos = new Map<string, TestRepo>();
const originalReposGet = handlers['repos/get'];

async function scanFinished(repo: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 600; i++) {
    const done = await server.queues.scan.getJobs(['completed', 'failed']);
    const job = done.find((j) => j.data.repo === repo);
    if (job?.failedReason) throw new Error(`scan job failed: ${job.failedReason}`);
    if (job) return job.returnvalue as unknown as Record<string, unknown>;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting for ${repo}; violations: ${gh.violations.join(' | ')}`);
}

async function install(name: string): Promise<Record<string, unknown>> {
  const p = webhookExample('installation', (x) => x.action === 'created');
  p.repositories = [{ ...p.repositories[0], name, full_name: `${OWNER}/${name}` }];
  expect((await deliverWebhook(server.url, 'installation', p, SECRET)).status).toBe(200);
  return scanFinished(name);
}

async function rotateJobsFor(repo: string): Promise<number> {
  const jobs = await server.queues.rotate.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed', 'prioritized']);
  return jobs.filter((j) => j.data.repo === repo).length;
}

beforeAll(async () => {
  ensureBuilt();
  gh = await startGitHubStandIn();
  ks = await startKeyServiceHarness({ realClock: true });
  redis = new Redis({ host: '127.0.0.1', port: 6379 });
  // GET /repos/{owner}/{repo} tells the worker where each test's repository clones from.
  handlers['repos/get'] = (i) => ({ status: 200, body: { ...(originalReposGet(i).body as object), default_branch: 'main', clone_url: repos.get(i.params.repo)?.cloneUrl } });
  server = await startServer({ appId: 1, privateKey, webhookSecret: SECRET, redis: 'redis://127.0.0.1:6379', prefix: PREFIX, baseUrl: gh.url, port: 0, log });
  const keyStates = new KeyServiceRotator({ baseUrl: ks.url, publicKey: ks.bot.publicKey, secretKey: ks.bot.secretKey });
  worker = startScanWorker({ redis: 'redis://127.0.0.1:6379', prefix: PREFIX, appId: 1, privateKey, baseUrl: gh.url, allowLocalClone: true, handleSignals: false, log, keyStates, githubRetry: { retries: 8, baseDelayMs: 10, maxDelayMs: 50 } });
});

afterAll(async () => {
  handlers['repos/get'] = originalReposGet;
  await worker?.close();
  await server?.close();
  const keys = await redis.keys(`${PREFIX}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
  await gh?.close();
  await ks?.close();
  for (const r of repos.values()) r.remove();
});

describe('baseline rotation', () => {
  it('is off by default: no old key is rolled, and the issue lists each key live or revoked from verify', async () => {
    const live = await ks.issueKey('live');
    const dead = await ks.issueKey('live');
    const del = await fetch(`${ks.url}/v1/keys/${dead.id}`, { method: 'DELETE', headers: { 'public-api-key': ks.owner.publicKey, 'private-secret-key': ks.owner.secretKey } });
    expect(del.status).toBeLessThan(300);
    const repo = new TestRepo();
    repos.set('old-keys', repo);
    repo.commit({ 'config/prod.env': `API_SECRET=${live.secretKey}\n`, 'config/old.env': `OLD_SECRET=${dead.secretKey}\n` }, 'old keys');

    const ret = await install('old-keys');
    expect(ret.rotationsQueued).toBe(0);
    expect(await rotateJobsFor('old-keys')).toBe(0);
    expect(await ks.rollsOf(sha256Hex(live.secretKey))).toBe(0);

    const [issue] = gh.state.issues.filter((i) => i.repo === 'old-keys');
    expect(issue.body).toMatch(/\| config\/prod\.env \| 1 \|[^\n]*\| live \|/);
    expect(issue.body).toMatch(/\| config\/old\.env \| 1 \|[^\n]*\| revoked \|/);
    expect(issue.body).toContain('**not** rolled');
    expect(issue.body).toContain('rotation.baseline: true');
    expect(issue.body).not.toContain(live.secretKey);
    expect(gh.violations).toEqual([]);
  });

  it('with rotation.baseline: true, queues the live keys for rotation and still lists their state', async () => {
    const live = await ks.issueKey('live');
    const repo = new TestRepo();
    repos.set('opted-in', repo);
    repo.commit({ 'deploy/keys.env': `API_SECRET=${live.secretKey}\n` }, 'old key');
    gh.setFile(OWNER, 'opted-in', '.github/keywarden.yml', 'rotation:\n  baseline: true\n');

    const ret = await install('opted-in');
    expect(ret.rotationsQueued).toBe(1);
    expect(await rotateJobsFor('opted-in')).toBe(1);
    const [issue] = gh.state.issues.filter((i) => i.repo === 'opted-in');
    expect(issue.body).toMatch(/\| deploy\/keys\.env \| 1 \|[^\n]*\| live \|/);
    expect(issue.body).toContain('being rolled now');
    expect(gh.violations).toEqual([]);
  });
});

describe('baseline issue', () => {
  const scanner = new Scanner(loadBuiltinRules());

  async function findingsOf(text: string) {
    const key = await ks.issueKey('live');
    return scanner.scanFragment({ path: 'legacy.env', text: text.replace('KEY', key.secretKey), commit: { sha: 'a'.repeat(40) } }).findings;
  }

  it('is found again by listing labelled issues while the search index lags: a re-run updates it', async () => {
    const octokit = await gitHubApp({ appId: 1, privateKey, baseUrl: gh.url, log }).installation(42);
    const findings = await findingsOf('SECRET=KEY\n');
    const input = { owner: OWNER, repo: 'rerun', defaultBranch: 'main', findings, commits: 1, labels: ['security'], assignees: [] };
    const first = await publishBaselineIssue(octokit, input);
    const second = await publishBaselineIssue(octokit, { ...input, commits: 2 });
    const issues = gh.state.issues.filter((i) => i.repo === 'rerun');
    expect(issues).toHaveLength(1);
    expect(second).toBe(first);
    expect(issues[0].labels).toEqual(['keywarden', 'security']);
    expect(issues[0].body).toContain('scanned 2 commit(s)');
    expect(gh.violations).toEqual([]);
  });

  it('is created once when GitHub answers 502 after creating it', async () => {
    const octokit = await gitHubApp({ appId: 1, privateKey, baseUrl: gh.url, log, retry: { retries: 4, baseDelayMs: 5, maxDelayMs: 20 } }).installation(42);
    const findings = await findingsOf('SECRET=KEY\n');
    gh.failOperation({ operationId: 'issues/create', status: 502, times: 1, afterActing: true });
    const input = { owner: OWNER, repo: 'flaky', defaultBranch: 'main', findings, commits: 1, labels: [], assignees: [] };
    // The create is sent once (not re-sent in-process); the job's next attempt finds the issue.
    await expect(publishBaselineIssue(octokit, input)).rejects.toMatchObject({ status: 502 });
    const n = await publishBaselineIssue(octokit, input);
    const issues = gh.state.issues.filter((i) => i.repo === 'flaky');
    expect(issues).toHaveLength(1);
    expect(n).toBe(issues[0].number);
    expect(gh.requests.filter((r) => r.operationId === 'issues/create' && r.url.includes('/flaky/'))).toHaveLength(1);
    expect(gh.violations).toEqual([]);
  });
});
