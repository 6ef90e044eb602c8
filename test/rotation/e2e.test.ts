// End to end: a signed push webhook to `keywarden serve` carrying a live secret key that the
// real key service issued → scan worker → rotate worker → the key is rolled → the old key
// still works, and is refused 12 h + 1 s later (service clock moved) → exactly one issue,
// with the right deadline. Real Redis, real git repository, OpenAPI-validated GitHub stand-in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Redis } from 'ioredis';
import { startServer, type RunningServer } from '../../src/app/server.js';
import type { ScanWorkerHandle } from '../../src/app/scanWorker.js';
import { startRotateWorker, type RotateWorkerHandle } from '../../src/rotation/rotateWorker.js';
import { gitHubApp } from '../../src/github/client.js';
import { RotatorRegistry } from '../../src/rotation/rotator.js';
import { KeyServiceRotator } from '../../src/rotation/keyServiceRotator.js';
import type { GitHubClient } from '../../src/github/retry.js';
import { formatUtc } from '../../src/rotation/issueBody.js';
import { startGitHubStandIn, type GitHubStandIn } from '../support/githubStandIn.js';
import { matchOperation } from '../support/openapiContract.js';
import { pushExample } from '../support/webhookExamples.js';
import { startKeyServiceHarness, type KeyServiceHarness } from './keyServiceHarness.js';
import { sha256 } from './fixtures.js';

const REDIS = 'redis://127.0.0.1:6379';
const prefix = `kw-test-e2e-${randomUUID().slice(0, 8)}`;
const WEBHOOK_SECRET = 'e2e-webhook-secret';
const APP_ID = 4242;
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

let ks: KeyServiceHarness;
let gh: GitHubStandIn;
let server: RunningServer;
let scan: ScanWorkerHandle;
let rotate: RotateWorkerHandle;
let dir: string;
const logLines: string[] = [];
const log = pino({ level: 'info' }, new Writable({ write(c, _e, cb) { logLines.push(String(c)); cb(); } }));

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 'Mona', GIT_AUTHOR_EMAIL: 'mona@example.com', GIT_COMMITTER_NAME: 'Mona', GIT_COMMITTER_EMAIL: 'mona@example.com' } }).trim();
}

beforeAll(async () => {
  ks = await startKeyServiceHarness();
  ks.clock.now = new Date();
  gh = await startGitHubStandIn();
  matchOperation('GET', '/');
  process.env.KEYWARDEN_ALLOW_FILE_CLONE = '1';
  server = await startServer({ appId: APP_ID, privateKey, webhookSecret: WEBHOOK_SECRET, redis: REDIS, prefix, baseUrl: gh.url, port: 0, log });
  // The scan worker runs the engine in a worker thread, which cannot load TypeScript under
  // Node 20: use the compiled worker (npm test builds dist/ first) when it is there.
  const compiled = new URL('../../dist/app/scanWorker.js', import.meta.url);
  const { startScanWorker } = (existsSync(fileURLToPath(compiled))
    ? await import(compiled.href)
    : await import('../../src/app/scanWorker.js')) as typeof import('../../src/app/scanWorker.js');
  scan = startScanWorker({ redis: REDIS, prefix, appId: APP_ID, privateKey, baseUrl: gh.url, allowLocalClone: true, handleSignals: false, log, githubRetry: { retries: 3, baseDelayMs: 10 } });
  const app = gitHubApp({ appId: APP_ID, privateKey, baseUrl: gh.url, log, retry: { retries: 0 } });
  rotate = startRotateWorker({
    redis: REDIS,
    prefix,
    handleSignals: false,
    registry: new RotatorRegistry().register(new KeyServiceRotator({ baseUrl: ks.url, ...ks.bot })),
    github: async (id) => (await app.installation(id)) as unknown as GitHubClient,
    issueSettings: async () => ({ labels: ['security'] }),
    log,
  });
  dir = mkdtempSync(join(tmpdir(), 'kw-e2e-'));
});

afterAll(async () => {
  await rotate?.close();
  await scan?.close();
  await server?.close();
  const redis = new Redis(REDIS);
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
  await gh?.close();
  await ks?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, ms = 45_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('leak to rolled key and issue, end to end', () => {
  it('rolls the leaked key once, keeps the old key for exactly 12 h, and opens one issue with the deadline', async () => {
    const leaked = await ks.issueKey('live');
    // A real repository with one clean commit, then one that leaks the key.
    const bare = join(dir, 'shop.git');
    const work = join(dir, 'work');
    git(dir, 'init', '-q', '--bare', '-b', 'main', bare);
    git(dir, 'clone', '-q', bare, work);
    writeFileSync(join(work, 'README.md'), '# shop\n');
    git(work, 'add', '.');
    git(work, 'commit', '-q', '-m', 'init');
    const before = git(work, 'rev-parse', 'HEAD');
    mkdirSync(join(work, 'config'));
    writeFileSync(join(work, 'config', 'payments.env'), `PAYMENTS_URL=https://pay.example.com\nKEYWARDEN_SECRET_KEY=${leaked.secretKey}\n`);
    git(work, 'add', '.');
    git(work, 'commit', '-q', '-m', 'configure payments');
    const after = git(work, 'rev-parse', 'HEAD');
    git(work, 'push', '-q', 'origin', 'main');

    const payload = pushExample();
    payload.ref = 'refs/heads/main';
    payload.before = before;
    payload.after = after;
    payload.deleted = false;
    payload.repository.name = 'shop';
    payload.repository.owner.login = 'octo-org';
    payload.repository.owner.name = 'octo-org';
    payload.repository.clone_url = `file://${bare}`;
    payload.repository.default_branch = 'main';
    // A private repository: its leaked keys are rolled with a grace period (public ones are revoked).
    payload.repository.private = true;
    payload.installation = { id: 777, node_id: 'x' };
    const body = JSON.stringify(payload);
    const res = await fetch(`${server.url}/api/github/webhooks`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': randomUUID(),
        'x-hub-signature-256': `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex')}`,
      },
      body,
    });
    expect(res.status).toBeLessThan(300);

    const marker = `keywarden:secret-hash=${sha256(leaked.secretKey)}`;
    const issue = await until('the owner issue', () => gh.state.issues.find((i) => i.body.includes(marker))).catch((err: Error) => {
      // Say what the pipeline did instead, so a failure here is diagnosable.
      throw new Error(`${err.message}\nlogs:\n${logLines.slice(-15).join('')}\nGitHub: ${gh.requests.map((r) => `${r.method} ${r.url} ${r.status}`).join('\n')}\nviolations: ${gh.violations.join('\n')}`);
    });
    expect(await ks.rollsOf(sha256(leaked.secretKey))).toBe(1);

    // The deadline is the service's: rolled at its clock, + 12 h.
    const deadline = new Date(ks.clock.now.getTime() + 12 * 3600 * 1000);
    expect(issue.title).toBe(`Leaked live secret key: rolled, old key stops working ${formatUtc(deadline.toISOString())}`);
    expect(issue.body).toContain(`The old key stops working at ${formatUtc(deadline.toISOString())}** (in 12 hours)`);
    expect(issue.body).toContain('`config/payments.env`, line 2');
    // Which key: its name and id from the key service, the secret's last 4 characters, no more.
    expect(issue.body).toContain(`| Key | "app", id \`${leaked.id}\`, secret ending in \`…${leaked.secretKey.slice(-4)}\` |`);
    expect(issue.body).not.toContain(leaked.secretKey.slice(-5));
    // The recovery step, plainly: roll the replacement (named), never "roll again to see".
    expect(issue.body).toMatch(/\*\*Roll that replacement key\*\*/);
    expect(issue.body).toMatch(/a new key \(`key_[^`]+`\) whose secret nobody has seen/);
    expect(issue.body).not.toMatch(/roll again/i);
    expect(issue.labels).toEqual(expect.arrayContaining(['keywarden', 'security']));

    // The old key still works now, and 12 h later; 12 h + 1 s later it is refused.
    expect(await ks.authenticates(leaked)).toBe(200);
    const rolledAt = ks.clock.now.getTime();
    ks.clock.now = new Date(rolledAt + 12 * 3600 * 1000 - 1000);
    expect(await ks.authenticates(leaked)).toBe(200);
    ks.clock.now = new Date(rolledAt + 12 * 3600 * 1000 + 1000);
    expect(await ks.authenticates(leaked)).toBe(401);

    // Re-delivering the same push opens no second issue.
    await fetch(`${server.url}/api/github/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex')}` },
      body,
    });
    await new Promise((r) => setTimeout(r, 3_000));
    expect(gh.state.issues.filter((i) => i.body.includes(marker))).toHaveLength(1);
    expect(await ks.rollsOf(sha256(leaked.secretKey))).toBe(1);

    // No raw secret anywhere we can see.
    expect(gh.requestsContaining(leaked.secretKey)).toEqual([]);
    expect(logLines.join('')).not.toContain(leaked.secretKey);
    const redis = new Redis(REDIS);
    const keys = await redis.keys(`${prefix}:*`);
    let text = '';
    for (const k of keys) {
      const t = await redis.type(k);
      if (t === 'hash') text += JSON.stringify(await redis.hgetall(k));
      else if (t === 'string') text += await redis.get(k);
      else if (t === 'list') text += JSON.stringify(await redis.lrange(k, 0, -1));
    }
    await redis.quit();
    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toContain(leaked.secretKey);
    expect(gh.violations).toEqual([]);
  });

  it('in a public repository, revokes the key at once, says so, and names no key id in the issue', async () => {
    const leaked = await ks.issueKey('live');
    const bare = join(dir, 'site.git');
    const work = join(dir, 'site-work');
    git(dir, 'init', '-q', '--bare', '-b', 'main', bare);
    git(dir, 'clone', '-q', bare, work);
    writeFileSync(join(work, 'README.md'), '# site\n');
    git(work, 'add', '.');
    git(work, 'commit', '-q', '-m', 'init');
    const before = git(work, 'rev-parse', 'HEAD');
    writeFileSync(join(work, 'deploy.env'), `KEYWARDEN_SECRET_KEY=${leaked.secretKey}\n`);
    git(work, 'add', '.');
    git(work, 'commit', '-q', '-m', 'deploy settings');
    const after = git(work, 'rev-parse', 'HEAD');
    git(work, 'push', '-q', 'origin', 'main');

    const payload = pushExample();
    Object.assign(payload, { ref: 'refs/heads/main', before, after, deleted: false, installation: { id: 777, node_id: 'x' } });
    Object.assign(payload.repository, { name: 'site', clone_url: `file://${bare}`, default_branch: 'main', private: false });
    payload.repository.owner.login = 'octo-org';
    payload.repository.owner.name = 'octo-org';
    const body = JSON.stringify(payload);
    const res = await fetch(`${server.url}/api/github/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex')}` },
      body,
    });
    expect(res.status).toBeLessThan(300);

    const marker = `keywarden:secret-hash=${sha256(leaked.secretKey)}`;
    const issue = await until('the owner issue', () => gh.state.issues.find((i) => i.body.includes(marker)));
    // Revoked, not rolled: refused now, no grace period.
    expect(await ks.rollsOf(sha256(leaked.secretKey))).toBe(0);
    expect(await ks.authenticates(leaked)).toBe(401);
    expect(issue.title).toBe('Leaked live secret key in a public repository: revoked at once, issue a new key');
    expect(issue.body).toContain('**revoked it at once**');
    // File and commit, but nothing that helps an outsider: no key id, name or other ids.
    expect(issue.body).toContain('`deploy.env`, line 1');
    expect(issue.body).toContain(after.slice(0, 12));
    expect(issue.body).not.toContain(leaked.id);
    expect(issue.body).not.toMatch(/key_[0-9a-f-]{8,}|org_|"app"/);
    expect(issue.body).not.toContain(leaked.secretKey.slice(-4));
    expect(gh.violations).toEqual([]);
  });
});
