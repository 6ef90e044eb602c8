// GitHub's "Re-run" button: check_run.rerequested and check_suite.rerequested webhooks (real
// payloads from @octokit/webhooks-examples, rewritten to point at a local repository) →
// `keywarden serve` → real Redis → the scan worker → a fresh check run on the OpenAPI-validated
// GitHub stand-in. A re-run is a new scan with an identity of its own, so its run is the
// newest of its name.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../src/app/server.js';
import { startScanWorker, type ScanWorkerHandle } from '../../src/app/scanWorker.js';
import { startGitHubStandIn, type GitHubStandIn } from '../support/githubStandIn.js';
import { TestRepo } from '../support/gitRepo.js';
import { ensureBuilt } from '../support/ensureBuilt.js';
import { deliverWebhook } from '../support/webhookDelivery.js';
import { pushExample, webhookExample } from '../support/webhookExamples.js';
import { formatToken } from '../../src/keyformat/keyFormat.js';

const PREFIX = `kw-rerun-${randomUUID().slice(0, 8)}`;
const SECRET = 'webhook-secret-for-tests';
const OWNER = 'Codertocat';
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const log = pino({ level: 'silent' });

let gh: GitHubStandIn;
let server: RunningServer;
let worker: ScanWorkerHandle;
const repos: TestRepo[] = [];

function pointAt(p: Record<string, any>, repo: TestRepo, name: string) {
  p.repository.name = name;
  p.repository.full_name = `${OWNER}/${name}`;
  p.repository.owner.login = OWNER;
  p.repository.clone_url = repo.cloneUrl;
  p.repository.default_branch = 'main';
  p.installation = { id: 1, node_id: 'x' };
  return p;
}

async function runsSettle(name: string, sha: string, count: number) {
  for (let i = 0; i < 300; i++) {
    const runs = gh.state.checkRuns.filter((c) => c.repo === name && c.head_sha === sha);
    if (runs.length >= count && runs.every((r) => r.status === 'completed')) return runs;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting for ${count} completed runs on ${name}; violations: ${gh.violations.join(' | ')}`);
}

function leaky(name: string) {
  const repo = new TestRepo();
  repos.push(repo);
  const base = repo.commit({ 'README.md': 'hello\n' }, 'base');
  const head = repo.commit({ 'config/prod.env': `KEYSERVICE_SECRET_KEY=${formatToken('secret', 'live')}\n` }, 'add config');
  return { repo, base, head, name };
}

beforeAll(async () => {
  ensureBuilt();
  gh = await startGitHubStandIn();
  server = await startServer({ appId: 1, privateKey, webhookSecret: SECRET, redis: 'redis://127.0.0.1:6379', prefix: PREFIX, baseUrl: gh.url, port: 0, log });
  worker = startScanWorker({ redis: 'redis://127.0.0.1:6379', prefix: PREFIX, appId: 1, privateKey, baseUrl: gh.url, allowLocalClone: true, handleSignals: false, log, githubRetry: { baseDelayMs: 20, maxDelayMs: 200 } });
});

afterAll(async () => {
  await worker?.close();
  await server?.close();
  const redis = new Redis({ host: '127.0.0.1', port: 6379 });
  const keys = await redis.keys(`${PREFIX}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
  await gh?.close();
  for (const r of repos) r.remove();
});

describe('Re-run', () => {
  it('check_run.rerequested scans the run\'s commits again into a fresh run of the same name', async () => {
    const { repo, base, head, name } = leaky('rerun-check-run');
    const push = pointAt(pushExample(), repo, name);
    Object.assign(push, { ref: 'refs/heads/main', before: base, after: head, created: false });
    expect((await deliverWebhook(server.url, 'push', push, SECRET)).status).toBe(200);
    const [first] = await runsSettle(name, head, 1);

    const rerun = pointAt(webhookExample('check_run', (p) => p.action === 'rerequested'), repo, name);
    Object.assign(rerun.check_run, { name: 'keywarden', head_sha: head, external_id: first.external_id, pull_requests: [] });
    rerun.check_run.check_suite = { ...rerun.check_run.check_suite, head_branch: 'main', head_sha: head, before: null, after: head };
    expect((await deliverWebhook(server.url, 'check_run', rerun, SECRET)).status).toBe(200);
    const runs = await runsSettle(name, head, 2);
    expect(runs).toHaveLength(2);
    expect(runs.map((r) => r.name)).toEqual(['keywarden', 'keywarden']);
    expect(runs[1].external_id).not.toBe(first.external_id);
    expect(runs[1]).toMatchObject({ conclusion: 'failure' });
    // The same range as the push (found by the run's external_id), not the branch's history.
    // By id, whatever its state: the run is complete before the job's last steps (rotation) end.
    expect((await server.queues.scan.getJob(runs[1].external_id!))?.data).toMatchObject({ before: base, after: head, rerun: expect.any(String) });
    expect(gh.violations).toEqual([]);
  });

  it('check_suite.rerequested re-runs the pull request scan and the push scan', async () => {
    const { repo, base, head, name } = leaky('rerun-check-suite');
    gh.addPull(OWNER, name, { number: 2, baseSha: base, headSha: head });
    const suite = pointAt(webhookExample('check_suite', (p) => p.action === 'rerequested'), repo, name);
    Object.assign(suite.check_suite, { head_sha: head, head_branch: 'changes', before: base, after: head });
    suite.check_suite.pull_requests[0].number = 2;
    suite.check_suite.pull_requests[0].base.sha = base;
    suite.check_suite.pull_requests[0].head.sha = head;
    expect((await deliverWebhook(server.url, 'check_suite', suite, SECRET)).status).toBe(200);
    const runs = await runsSettle(name, head, 2);
    expect(runs.map((r) => r.name).sort()).toEqual(['keywarden', 'keywarden / pull request']);
    expect(runs.every((r) => r.conclusion === 'failure')).toBe(true);
    expect(gh.violations).toEqual([]);
  });
});
