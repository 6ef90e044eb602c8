// End to end: signed webhooks (real payloads from @octokit/webhooks-examples, rewritten to
// point at a real git repository with planted secrets) → `keywarden serve` → real Redis →
// the scan worker → the OpenAPI-validated GitHub stand-in. Every GitHub call the app makes
// must pass GitHub's contract (gh.violations stays empty), and the planted raw secrets must
// appear in no request, no log line and no Redis value.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { formatToken } from '../../src/keyformat/keyFormat.js';
import { startServer, type RunningServer } from '../../src/app/server.js';
import { startScanWorker, type ScanWorkerHandle } from '../../src/app/scanWorker.js';
import { startGitHubStandIn, type GitHubStandIn } from '../support/githubStandIn.js';
import { TestRepo } from '../support/gitRepo.js';
import { ensureBuilt } from '../support/ensureBuilt.js';
import { deliverWebhook } from '../support/webhookDelivery.js';
import { pullRequestExample, pushExample } from '../support/webhookExamples.js';

const PREFIX = `kw-app-e2e-${randomUUID().slice(0, 8)}`;
const SECRET = 'webhook-secret-for-tests';
const OWNER = 'Codertocat';
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

const logLines: string[] = [];
const logStream = new Writable({ write(chunk, _enc, cb) { logLines.push(String(chunk)); cb(); } });
const log = pino({ level: 'debug' }, logStream);

const planted = {
  push: formatToken('secret', 'live'),
  pr: formatToken('secret', 'live'),
  mainHistory: formatToken('secret', 'live'),
  branch: formatToken('secret', 'live'),
  config: formatToken('secret', 'live'),
  regexConfig: formatToken('secret', 'live'),
  stopwordConfig: formatToken('secret', 'live'),
  ignoredPath: formatToken('secret', 'live'),
  allowlistedPath: formatToken('secret', 'live'),
};
const publicKeys = Array.from({ length: 55 }, () => formatToken('public', 'live'));

let gh: GitHubStandIn;
let server: RunningServer;
let worker: ScanWorkerHandle;
let redis: Redis;
const repos: TestRepo[] = [];

function newRepo(): TestRepo {
  const r = new TestRepo();
  repos.push(r);
  return r;
}

function pushPayload(repo: TestRepo, name: string, o: { ref?: string; before: string; after: string }) {
  const p = pushExample();
  p.ref = o.ref ?? 'refs/heads/main';
  p.before = o.before;
  p.after = o.after;
  p.created = /^0+$/.test(o.before);
  p.repository.name = name;
  p.repository.full_name = `${OWNER}/${name}`;
  p.repository.clone_url = repo.cloneUrl;
  p.repository.default_branch = 'main';
  p.repository.master_branch = 'main';
  return p;
}

async function until<T>(what: string, probe: () => T | undefined | false): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const v = probe();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting for ${what}; violations: ${gh.violations.join(' | ')}`);
}

/** Waits until the scan job for this repo and head commit has finished (all reports sent). */
async function scanFinished(repo: string, sha: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    const done = await server.queues.scan.getJobs(['completed', 'failed']);
    const job = done.find((j) => j.data.repo === repo && j.data.after === sha);
    if (job?.failedReason) throw new Error(`scan job failed: ${job.failedReason}`);
    if (job) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting for the scan of ${repo}@${sha}; violations: ${gh.violations.join(' | ')}`);
}

const checkRunFor = (repo: string, sha: string) => () => gh.state.checkRuns.find((c) => c.repo === repo && c.head_sha === sha);

beforeAll(async () => {
  ensureBuilt();
  gh = await startGitHubStandIn();
  redis = new Redis({ host: '127.0.0.1', port: 6379 });
  server = await startServer({ appId: 1, privateKey, webhookSecret: SECRET, redis: 'redis://127.0.0.1:6379', prefix: PREFIX, baseUrl: gh.url, port: 0, log });
  worker = startScanWorker({ redis: 'redis://127.0.0.1:6379', prefix: PREFIX, appId: 1, privateKey, baseUrl: gh.url, allowLocalClone: true, handleSignals: false, log, githubRetry: { baseDelayMs: 20, maxDelayMs: 200 } });
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

describe('push', () => {
  let head = '';
  beforeAll(async () => {
    const repo = newRepo();
    const base = repo.commit({ 'README.md': 'hello\n' }, 'base');
    head = repo.commit({
      'config/prod.env': `# deploy settings\nKEYSERVICE_SECRET_KEY=${planted.push}\n`,
      'web/public-keys.txt': publicKeys.map((k) => `pk = ${k}`).join('\n') + '\n',
    }, 'add config');
    const res = await deliverWebhook(server.url, 'push', pushPayload(repo, 'push-repo', { before: base, after: head }), SECRET);
    expect(res.status).toBe(200);
    await scanFinished('push-repo', head);
  });

  it('reports a failing check run with an annotation on the exact line', async () => {
    const run = await until('the check run', checkRunFor('push-repo', head));
    expect(run).toMatchObject({ name: 'keywarden', status: 'completed', conclusion: 'failure' });
    expect(run.annotations).toContainEqual(expect.objectContaining({ path: 'config/prod.env', start_line: 2, end_line: 2, annotation_level: 'failure' }));
    const secretNote = run.annotations.find((a) => a.path === 'config/prod.env')!;
    expect(String(secretNote.message)).toMatch(/keywarden:allow/);
  });

  it('sends annotations in batches of at most 50', async () => {
    const run = await until('the check run', checkRunFor('push-repo', head));
    expect(run.annotations.length).toBeGreaterThan(50);
    expect(run.annotationBatches.every((n) => n <= 50)).toBe(true);
    expect(run.annotationBatches.reduce((a, b) => a + b, 0)).toBe(run.annotations.length);
    expect(run.annotations.filter((a) => a.path === 'web/public-keys.txt')).toHaveLength(55);
  });

  it('queues one rotation for the secret key, with hash and preview only', async () => {
    await until('the check run', checkRunFor('push-repo', head));
    const jobs = await server.queues.rotate.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']);
    const mine = jobs.filter((j) => j.data.repo === 'push-repo');
    expect(mine).toHaveLength(1);
    expect(mine[0].data).toMatchObject({ ruleId: expect.any(String), rotator: 'keyservice', path: 'config/prod.env', line: 2, commit: head });
    expect(mine[0].data.secretHash).toMatch(/^[0-9a-f]{64}$/);
    expect(mine[0].id).toBe(`rotate-${mine[0].data.idempotencyKey}`);
  });
});

describe('new branch', () => {
  it('scans only what the branch adds over the default branch', async () => {
    const repo = newRepo();
    repo.commit({ 'old.txt': `token: ${planted.mainHistory}\n` }, 'old leak on main');
    repo.branch('feature');
    const head = repo.commit({ 'src/client.ts': `export const key = "${planted.branch}";\n` }, 'feature leak');
    const res = await deliverWebhook(server.url, 'push', pushPayload(repo, 'branch-repo', { ref: 'refs/heads/feature', before: '0'.repeat(40), after: head }), SECRET);
    expect(res.status).toBe(200);
    await scanFinished('branch-repo', head);
    const run = await until('the check run', checkRunFor('branch-repo', head));
    expect(run.conclusion).toBe('failure');
    expect(run.annotations.map((a) => a.path)).toEqual(['src/client.ts']);
  });
});

describe('pull request', () => {
  it('comments each leaking line once, and not again on synchronize', async () => {
    const repo = newRepo();
    const base = repo.commit({ 'README.md': 'hi\n' }, 'base');
    repo.branch('pr');
    const head1 = repo.commit({ 'app/settings.py': `DEBUG = False\nAPI_SECRET = "${planted.pr}"\n` }, 'leak in pr');
    gh.addPull(OWNER, 'pr-repo', { number: 1, baseSha: base, headSha: head1 });
    const opened = pullRequestExample('opened');
    Object.assign(opened.repository, { name: 'pr-repo', full_name: `${OWNER}/pr-repo`, clone_url: repo.cloneUrl, default_branch: 'main' });
    opened.pull_request.number = 1;
    opened.number = 1;
    opened.pull_request.base.sha = base;
    opened.pull_request.head.sha = head1;
    expect((await deliverWebhook(server.url, 'pull_request', opened, SECRET)).status).toBe(200);
    await scanFinished('pr-repo', head1);
    const review = await until('the review', () => gh.state.reviews.find((r) => r.repo === 'pr-repo'));
    expect(review).toMatchObject({ event: 'COMMENT', commit_id: head1 });
    const comments = gh.state.reviewComments.filter((c) => c.repo === 'pr-repo');
    expect(comments).toEqual([expect.objectContaining({ path: 'app/settings.py', line: 2, side: 'RIGHT' })]);
    expect(comments[0].body).toMatch(/keywarden:allow/);
    expect(comments[0].body).toMatch(/keywarden:leak=/);

    const head2 = repo.commit({ 'app/other.py': 'x = 1\n' }, 'clean follow-up');
    const sync = pullRequestExample('synchronize');
    Object.assign(sync.repository, opened.repository);
    sync.pull_request.number = 1;
    sync.number = 1;
    sync.pull_request.base.sha = base;
    sync.pull_request.head.sha = head2;
    gh.addPull(OWNER, 'pr-repo', { number: 1, baseSha: base, headSha: head2 });
    expect((await deliverWebhook(server.url, 'pull_request', sync, SECRET)).status).toBe(200);
    await scanFinished('pr-repo', head2);
    const run2 = await until('the second check run', checkRunFor('pr-repo', head2));
    expect(run2.conclusion).toBe('failure');
    expect(gh.state.reviews.filter((r) => r.repo === 'pr-repo')).toHaveLength(1);
    expect(gh.state.reviewComments.filter((c) => c.repo === 'pr-repo')).toHaveLength(1);
  });
});

describe('invalid config', () => {
  it('says so on the check run, with the reason, and still scans', async () => {
    const repo = newRepo();
    gh.setFile(OWNER, 'config-repo', '.github/keywarden.yml', 'rotation: sometimes\n');
    const base = repo.commit({ 'a.txt': 'a\n' }, 'base');
    const head = repo.commit({ 'b.env': `SECRET_KEY=${planted.config}\n` }, 'leak');
    await deliverWebhook(server.url, 'push', pushPayload(repo, 'config-repo', { before: base, after: head }), SECRET);
    await scanFinished('config-repo', head);
    const run = await until('the check run', checkRunFor('config-repo', head));
    expect(run.output?.title).toMatch(/^Invalid \.github\/keywarden\.yml: rotation must be true or false/);
    expect(run.conclusion).toBe('failure');
    const jobs = await server.queues.rotate.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']);
    expect(jobs.filter((j) => j.data.repo === 'config-repo')).toHaveLength(0);
  });
});

describe('invalid config: the scan goes on with the valid rest of the file', () => {
  it('reports a regex that does not compile, keeps the other allowlists and ignorePaths, and completes', async () => {
    const repo = newRepo();
    gh.setFile(OWNER, 'regex-repo', '.github/keywarden.yml', [
      'ignorePaths: ["vendor/**"]',
      'allowlists:',
      "  - regexes: ['(?<=x)abc']",
      '  - paths: ["^fixtures/"]',
      '',
    ].join('\n'));
    const base = repo.commit({ 'a.txt': 'a\n' }, 'base');
    const head = repo.commit({
      'b.env': `SECRET_KEY=${planted.regexConfig}\n`,
      'vendor/lib.env': `SECRET_KEY=${planted.ignoredPath}\n`,
      'fixtures/c.env': `SECRET_KEY=${planted.allowlistedPath}\n`,
    }, 'leak');
    await deliverWebhook(server.url, 'push', pushPayload(repo, 'regex-repo', { before: base, after: head }), SECRET);
    await scanFinished('regex-repo', head);
    const run = await until('the check run', checkRunFor('regex-repo', head));
    expect(run.output?.title).toMatch(/^Invalid \.github\/keywarden\.yml: allowlists\[0\] regex '\(\?<=x\)abc' does not compile/);
    expect(run.output?.summary).toMatch(/defaults plus the valid parts of the file/);
    expect(run.conclusion).toBe('failure');
    // The valid rest applied: only b.env is reported (vendor/ ignored, fixtures/ allowlisted).
    expect([...new Set(run.annotations.map((a) => a.path))]).toEqual(['b.env']);
    const jobs = await server.queues.scan.getJobs(['completed']);
    expect(jobs.find((j) => j.data.repo === 'regex-repo')?.attemptsMade).toBe(1);
  });

  it('reports an upper-case stopword, and uses it lower-cased', async () => {
    const repo = newRepo();
    // Part of the planted key, with letters, written upper-case: it matches only once lower-cased.
    const word = /[a-z][A-Za-z0-9]{5}/.exec(planted.stopwordConfig.slice(10))![0].toUpperCase();
    gh.setFile(OWNER, 'stopword-repo', '.github/keywarden.yml', `allowlists:\n  - stopwords: ["${word}"]\n`);
    const base = repo.commit({ 'a.txt': 'a\n' }, 'base');
    const head = repo.commit({ 'b.env': `SECRET_KEY=${planted.stopwordConfig}\n` }, 'leak');
    await deliverWebhook(server.url, 'push', pushPayload(repo, 'stopword-repo', { before: base, after: head }), SECRET);
    await scanFinished('stopword-repo', head);
    const run = await until('the check run', checkRunFor('stopword-repo', head));
    expect(run.output?.title).toContain(`Invalid .github/keywarden.yml: allowlists[0].stopwords: "${word}" must be lower case`);
    expect(run.annotations).toEqual([]);
    expect(run.conclusion).toBe('neutral');
  });
});

describe('webhook signature', () => {
  it('refuses a bad signature and queues nothing', async () => {
    const repo = newRepo();
    const before = await server.queues.scan.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed');
    const p = pushPayload(repo, 'sig-repo', { before: 'a'.repeat(40), after: 'b'.repeat(40) });
    const res = await deliverWebhook(server.url, 'push', p, SECRET, { signature: `sha256=${'0'.repeat(64)}` });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const after = await server.queues.scan.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed');
    expect(after).toEqual(before);
  });
});

describe('secrets stay secret', () => {
  it('the stand-in saw only valid requests, and no planted secret anywhere', async () => {
    expect(gh.violations).toEqual([]);
    const all = Object.values(planted);
    for (const s of all) expect(gh.requestsContaining(s)).toEqual([]);
    const logs = logLines.join('');
    expect(logs.length).toBeGreaterThan(0);
    for (const s of all) expect(logs.includes(s)).toBe(false);
    const keys = await redis.keys(`${PREFIX}:*`);
    expect(keys.length).toBeGreaterThan(0);
    let dump = '';
    for (const k of keys) {
      const type = await redis.type(k);
      if (type === 'string') dump += await redis.get(k);
      else if (type === 'hash') dump += JSON.stringify(await redis.hgetall(k));
      else if (type === 'list') dump += JSON.stringify(await redis.lrange(k, 0, -1));
      else if (type === 'set') dump += JSON.stringify(await redis.smembers(k));
      else if (type === 'zset') dump += JSON.stringify(await redis.zrange(k, 0, -1));
      else if (type === 'stream') dump += JSON.stringify(await redis.xrange(k, '-', '+'));
    }
    expect(dump).toContain('secretHash');
    for (const s of all) expect(dump.includes(s)).toBe(false);
  });
});
