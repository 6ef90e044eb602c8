// The rest of the pipeline against real services: the installation baseline (one summary
// issue per repository, baseline leaks not commented on later PRs), GitHub faults (502 and
// secondary rate limits) retried until the reports land, /healthz and /metrics, and the
// installation token staying out of the clone's config.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { formatToken } from '../../src/keyformat/keyFormat.js';
import { startServer, type RunningServer } from '../../src/app/server.js';
import { startScanWorker, type ScanWorkerHandle } from '../../src/app/scanWorker.js';
import { fetchCommits } from '../../src/app/scanJob/fetchCommits.js';
import { gitHubApp } from '../../src/github/client.js';
import { startGitHubStandIn, type GitHubStandIn } from '../support/githubStandIn.js';
import { TestRepo } from '../support/gitRepo.js';
import { ensureBuilt } from '../support/ensureBuilt.js';
import { deliverWebhook } from '../support/webhookDelivery.js';
import { pullRequestExample, pushExample, webhookExample } from '../support/webhookExamples.js';

const PREFIX = `kw-app-ops-${randomUUID().slice(0, 8)}`;
const SECRET = 'ops-webhook-secret';
const OWNER = 'Codertocat';
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const log = pino({ level: 'silent' });

let gh: GitHubStandIn;
let server: RunningServer;
let worker: ScanWorkerHandle;
let redis: Redis;
const repos: TestRepo[] = [];

async function scanFinished(repo: string, after: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 600; i++) {
    const done = await server.queues.scan.getJobs(['completed', 'failed']);
    const job = done.find((j) => j.data.repo === repo && j.data.after === after);
    if (job?.failedReason) throw new Error(`scan job failed: ${job.failedReason}`);
    if (job) return job.returnvalue as unknown as Record<string, unknown>;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting for ${repo}@${after}; violations: ${gh.violations.join(' | ')}`);
}

beforeAll(async () => {
  ensureBuilt();
  gh = await startGitHubStandIn();
  redis = new Redis({ host: '127.0.0.1', port: 6379 });
  server = await startServer({ appId: 1, privateKey, webhookSecret: SECRET, redis: 'redis://127.0.0.1:6379', prefix: PREFIX, baseUrl: gh.url, port: 0, log });
  worker = startScanWorker({ redis: 'redis://127.0.0.1:6379', prefix: PREFIX, appId: 1, privateKey, baseUrl: gh.url, allowLocalClone: true, handleSignals: false, log, githubRetry: { retries: 8, baseDelayMs: 10, maxDelayMs: 50 } });
});

afterAll(async () => {
  await worker?.close();
  await server?.close();
  const keys = await redis.keys(`${PREFIX}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
  await gh?.close();
  for (const r of repos) r.remove();
});

describe('installation baseline', () => {
  it('opens one summary issue, and a later PR does not comment on baseline leaks', async () => {
    const repo = new TestRepo();
    repos.push(repo);
    const old = formatToken('secret', 'live');
    const base = repo.commit({ 'legacy/settings.ini': `[api]\nsecret = ${old}\n` }, 'legacy');
    // The stand-in's GET /repos/{owner}/{repo} tells the worker where to clone from.
    const handlers = (await import('../support/githubStandInHandlers.js')).handlers;
    const original = handlers['repos/get'];
    handlers['repos/get'] = (i) => ({ status: 200, body: { ...(original(i).body as object), default_branch: 'main', clone_url: repo.cloneUrl } });
    try {
      const p = webhookExample('installation', (x) => x.action === 'created');
      p.repositories = [{ ...p.repositories[0], name: 'legacy-repo', full_name: `${OWNER}/legacy-repo` }];
      expect((await deliverWebhook(server.url, 'installation', p, SECRET)).status).toBe(200);
      await scanFinished('legacy-repo', 'HEAD');
      const issues = gh.state.issues.filter((i) => i.repo === 'legacy-repo');
      expect(issues).toHaveLength(1);
      expect(issues[0].body).toContain('legacy/settings.ini');
      expect(issues[0].body).not.toContain(old);
      expect(issues[0].labels).toEqual(['keywarden', 'security']);

      // A PR that rewrites the leaking line (same secret, same path) is still flagged on the
      // check run, but gets no review comment for a leak the baseline already reported.
      repo.branch('pr');
      const head = repo.commit({ 'legacy/settings.ini': `[api]\nsecret = ${old} # to be rotated\n` }, 'touch legacy');
      gh.addPull(OWNER, 'legacy-repo', { number: 3, baseSha: base, headSha: head });
      const pr = pullRequestExample('opened');
      Object.assign(pr.repository, { name: 'legacy-repo', full_name: `${OWNER}/legacy-repo`, clone_url: repo.cloneUrl, default_branch: 'main' });
      pr.number = 3;
      pr.pull_request.number = 3;
      pr.pull_request.base.sha = base;
      pr.pull_request.head.sha = head;
      await deliverWebhook(server.url, 'pull_request', pr, SECRET);
      await scanFinished('legacy-repo', head);
      const run = gh.state.checkRuns.find((c) => c.repo === 'legacy-repo' && c.head_sha === head);
      expect(run?.annotations).toContainEqual(expect.objectContaining({ path: 'legacy/settings.ini', start_line: 2 }));
      expect(gh.state.reviewComments.filter((c) => c.repo === 'legacy-repo')).toEqual([]);
    } finally {
      handlers['repos/get'] = original;
    }
    expect(gh.violations).toEqual([]);
  });
});

describe('GitHub faults', () => {
  it('retries 502 and secondary rate limits until the check run and its annotations land', async () => {
    const repo = new TestRepo();
    repos.push(repo);
    const base = repo.commit({ 'a.txt': 'a\n' }, 'base');
    const head = repo.commit({ 'keys.env': Array.from({ length: 60 }, () => `K=${formatToken('public', 'test')}`).join('\n') + '\n' }, 'keys');
    const p = pushExample();
    Object.assign(p, { ref: 'refs/heads/main', before: base, after: head });
    Object.assign(p.repository, { name: 'flaky-repo', full_name: `${OWNER}/flaky-repo`, clone_url: repo.cloneUrl, default_branch: 'main' });
    // One retry layer: a write that fails ends the attempt and the job's retry finds what GitHub
    // holds; 25 % of every call failing leaves the job's 5 attempts room to land the run.
    gh.setFaults({ share: 0.25, retryAfterSeconds: 0 });
    const faultsBefore = gh.requests.filter((r) => r.status === 502 || r.status === 403 || r.status === 429).length;
    try {
      await deliverWebhook(server.url, 'push', p, SECRET);
      await scanFinished('flaky-repo', head);
    } finally {
      gh.setFaults(null);
    }
    const faults = gh.requests.filter((r) => r.status === 502 || r.status === 403 || r.status === 429).length - faultsBefore;
    expect(faults).toBeGreaterThan(0);
    const runs = gh.state.checkRuns.filter((c) => c.repo === 'flaky-repo');
    expect(runs).toHaveLength(1);
    expect(runs[0].annotations).toHaveLength(60);
    expect(runs[0].conclusion).toBe('neutral');
    expect(gh.violations).toEqual([]);
  });
});

function githubToken(): string {
  const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const random = Array.from({ length: 30 }, () => B62[Math.floor(Math.random() * 62)]).join('');
  let v = crc32(random);
  let sum = '';
  for (let i = 0; i < 6; i++) {
    sum = B62[v % 62] + sum;
    v = Math.floor(v / 62);
  }
  return `ghp_${random}${sum}`;
}

describe('leaked GitHub token', () => {
  it('is revoked from the scan worker, and the raw token goes nowhere else', async () => {
    const repo = new TestRepo();
    repos.push(repo);
    const token = githubToken();
    const base = repo.commit({ 'a.txt': 'a\n' }, 'base');
    const head = repo.commit({ 'ci/deploy.sh': `export GITHUB_TOKEN=${token}\n` }, 'ci');
    const p = pushExample();
    Object.assign(p, { ref: 'refs/heads/main', before: base, after: head });
    Object.assign(p.repository, { name: 'gh-token-repo', full_name: `${OWNER}/gh-token-repo`, clone_url: repo.cloneUrl, default_branch: 'main' });
    await deliverWebhook(server.url, 'push', p, SECRET);
    const result = await scanFinished('gh-token-repo', head);
    expect(gh.state.revokedCredentials).toContain(token);
    expect(result.revoked).toBe(1);
    const carrying = gh.requestsContaining(token);
    expect(carrying.map((r) => r.operationId)).toEqual(['credentials/revoke']);
    expect(carrying[0].headers.authorization).toBeUndefined();
    const run = gh.state.checkRuns.find((c) => c.repo === 'gh-token-repo');
    expect(run?.conclusion).toBe('failure');
    expect(run?.output?.summary).toMatch(/: revoked/);
    const rotateJobs = await server.queues.rotate.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']);
    expect(rotateJobs.filter((j) => j.data.repo === 'gh-token-repo')).toEqual([]);
  });
});

describe('force push', () => {
  it('scans the branch against the default branch when before is gone', async () => {
    const repo = new TestRepo();
    repos.push(repo);
    repo.commit({ 'a.txt': 'a\n' }, 'base');
    repo.branch('topic');
    const head = repo.commit({ 'b.env': `SECRET_KEY=${formatToken('secret', 'test')}\n` }, 'leak');
    const p = pushExample();
    Object.assign(p, { ref: 'refs/heads/topic', before: 'f'.repeat(40), after: head, created: false });
    Object.assign(p.repository, { name: 'forced-repo', full_name: `${OWNER}/forced-repo`, clone_url: repo.cloneUrl, default_branch: 'main' });
    await deliverWebhook(server.url, 'push', p, SECRET);
    const result = await scanFinished('forced-repo', head);
    expect(result).toMatchObject({ commits: 1, findings: 1 });
  });
});

describe('operations', () => {
  it('serves /healthz and /metrics with queue depths and scan counters', async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/keywarden_queue_depth\{queue="scan",state="completed"\} [1-9]/);
    expect(metrics).toMatch(/keywarden_scans_total\{event="push",result="findings"\} [1-9]/);
    expect(metrics).toContain('keywarden_findings_total');
    expect(metrics).toContain('keywarden_rotations_total');
    expect(metrics).toContain('keywarden_webhook_to_rolled_seconds_bucket');
    expect(metrics).toContain('keywarden_bytes_scanned_total');
  });

  it('fetches with the installation token only in the environment, never in .git/config', async () => {
    const repo = new TestRepo();
    repos.push(repo);
    const sha = repo.commit({ 'x.txt': 'x\n' }, 'x');
    const token = 'ghs_' + 'T'.repeat(36);
    const clone = await fetchCommits({ cloneUrl: repo.cloneUrl, token, wants: [sha, 'refs/heads/main'], range: sha, maxCommits: 10, allowLocal: true });
    try {
      const config = readFileSync(join(clone.dir, 'config'), 'utf8');
      expect(config).not.toContain(token);
      expect(config).not.toContain(Buffer.from(`x-access-token:${token}`).toString('base64'));
      expect(config).toContain(repo.cloneUrl);
    } finally {
      await clone.cleanup();
    }
    await expect(fetchCommits({ cloneUrl: repo.cloneUrl, wants: [sha], range: sha, maxCommits: 10 })).rejects.toMatchObject({ code: 'GIT_FETCH_FAILED' });
    await expect(fetchCommits({ cloneUrl: 'https://x:y@github.com/o/r.git', wants: [sha], range: sha, maxCommits: 10 })).rejects.toThrow(/credentials/);
    await expect(fetchCommits({ cloneUrl: repo.cloneUrl, wants: ['--upload-pack=evil'], range: sha, maxCommits: 10, allowLocal: true })).rejects.toThrow(/refusing/);
  });

  it("mints each scan's git token for its one repository, with contents: read only", async () => {
    const repo = new TestRepo();
    repos.push(repo);
    const base = repo.commit({ 'a.txt': 'a\n' }, 'base');
    const head = repo.commit({ 'b.txt': 'b\n' }, 'b');
    const p = pushExample();
    Object.assign(p, { ref: 'refs/heads/main', before: base, after: head });
    Object.assign(p.repository, { name: 'narrow-repo', full_name: `${OWNER}/narrow-repo`, clone_url: repo.cloneUrl, default_branch: 'main' });
    await deliverWebhook(server.url, 'push', p, SECRET);
    await scanFinished('narrow-repo', head);
    const minted = gh.requests.filter((r) => r.operationId === 'apps/create-installation-access-token' && r.body.includes('narrow-repo'));
    expect(minted).toHaveLength(1);
    expect(JSON.parse(minted[0].body)).toEqual({ repositories: ['narrow-repo'], permissions: { contents: 'read' } });
    expect(minted[0].status).toBe(201);
    expect(gh.violations).toEqual([]);
  });

  it('gives installation clients that retry a secondary rate limit', async () => {
    const app = gitHubApp({ appId: 1, privateKey, baseUrl: gh.url, log, retry: { retries: 3, baseDelayMs: 5, maxDelayMs: 20 } });
    const octokit = await app.installation(42);
    expect(await app.gitToken(42, 'r')).toMatch(/^ghs_/);
    gh.setFaults({ share: 1, kinds: ['secondary-403'], retryAfterSeconds: 0 });
    const pending = octokit.rest.issues.create({ owner: OWNER, repo: 'r', title: 'x' });
    setTimeout(() => gh.setFaults(null), 30);
    await expect(pending).resolves.toMatchObject({ status: 201 });
    expect(gh.requests.filter((r) => r.status === 403).length).toBeGreaterThan(0);
  });
});
