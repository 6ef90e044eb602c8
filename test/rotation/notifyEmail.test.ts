// The last way to tell someone about a rolled key: `notify.email` in .github/keywarden.yml,
// mailed through SMTP_URL. It comes after the issue, the commit comment and the fallback
// repository, and it is the only way left when the App was uninstalled (its token refused):
// with no address then, the notify job fails for good, loudly, and the key is rolled anyway.
// The rotate worker as `keywarden worker` builds it from the environment, real Redis, the real
// key service, the OpenAPI-validated GitHub stand-in, and a real SMTP server receiving mail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue, QueueEvents } from 'bullmq';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { SMTPServer } from 'smtp-server';
import { NOTIFY_QUEUE, ROTATE_QUEUE } from '../../src/queue/queues.js';
import type { RotateJobData } from '../../src/rotation/rotateJobData.js';
import type { RotateWorkerHandle } from '../../src/rotation/rotateWorker.js';
import type { NotifyJobReturn } from '../../src/rotation/rotateAndNotify.js';
import { startRotateWorkerFromEnv } from '../../src/app/rotateWorkerFromEnv.js';
import { openRedis } from '../../src/queue/redis.js';
import { registry } from '../../src/queue/metrics.js';
import { startGitHubStandIn, type GitHubStandIn } from '../support/githubStandIn.js';
import type { NotifyState } from '../support/githubStandInNotify.js';
import { startKeyServiceHarness, type KeyServiceHarness } from './keyServiceHarness.js';
import { closeRotateQueues, rotateAndAwaitNotice, rotateJobFor, sha256 } from './fixtures.js';

const REDIS = { host: '127.0.0.1', port: 6379 };
const prefix = `kw-test-notifymail-${randomUUID().slice(0, 8)}`;
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

interface Received {
  from: string;
  to: string[];
  headers: string;
  text: string;
  raw: string;
}

/** The text of a MIME message as nodemailer writes it: 7bit, or quoted-printable, or base64. */
function decodeBody(raw: string): { headers: string; text: string } {
  const split = raw.indexOf('\r\n\r\n');
  const headers = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const body = raw.slice(split + 4);
  const encoding = /content-transfer-encoding:\s*([\w-]+)/i.exec(headers)?.[1]?.toLowerCase();
  if (encoding === 'base64') return { headers, text: Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8') };
  if (encoding === 'quoted-printable') {
    const bytes = body.replace(/=\r\n/g, '').replace(/=([0-9A-F]{2})/gi, (_, h: string) => `%${h}`);
    return { headers, text: decodeURIComponent(bytes.replace(/%(?![0-9A-F]{2})/gi, '%25')) };
  }
  return { headers, text: body };
}

let ks: KeyServiceHarness;
let gh: GitHubStandIn;
let smtp: SMTPServer;
const mail: Received[] = [];
const logLines: string[] = [];
let queue: Queue<RotateJobData>;
let notifyQueue: Queue;
let notifyEvents: QueueEvents;
let handle: RotateWorkerHandle;

const notifyState = () => gh.state as unknown as Partial<NotifyState>;
function archive(repo: string) {
  const s = notifyState();
  s.repoSettings ??= new Map();
  s.commitComments ??= [];
  s.repoSettings.set(`octo-org/${repo}`, { archived: true });
}

beforeAll(async () => {
  ks = await startKeyServiceHarness({ realClock: true });
  gh = await startGitHubStandIn();
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, session, done) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
        mail.push({ from, to: session.envelope.rcptTo.map((r) => r.address), raw, ...decodeBody(raw) });
        done();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const smtpPort = (smtp.server.address() as AddressInfo).port;
  const connection = openRedis(REDIS);
  queue = new Queue<RotateJobData>(ROTATE_QUEUE, { connection, prefix });
  notifyQueue = new Queue(NOTIFY_QUEUE, { connection, prefix });
  notifyEvents = new QueueEvents(NOTIFY_QUEUE, { connection: REDIS, prefix });
  await notifyEvents.waitUntilReady();
  const log = pino({ level: 'info' }, new Writable({ write(chunk: Buffer, _e, cb) { logLines.push(chunk.toString('utf8')); cb(); } }));
  handle = await startRotateWorkerFromEnv({
    env: {
      APP_ID: '1', PRIVATE_KEY: privateKey, GITHUB_API_URL: gh.url, REDIS_URL: 'redis://127.0.0.1:6379',
      KEYSERVICE_URL: ks.url, KEYSERVICE_PUBLIC_KEY: ks.bot.publicKey, KEYSERVICE_SECRET_KEY: ks.bot.secretKey,
      SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, SMTP_FROM: 'keywarden <keywarden@example.com>',
    },
    prefix,
    log,
    handleSignals: false,
    // GitHub's pacing of writes makes the first case's notice take seconds; a loaded machine
    // must not hand the job to another run meanwhile (the production tuning is tested elsewhere).
    lock: { lockDuration: 60_000, stalledInterval: 60_000 },
  });
});

afterAll(async () => {
  await closeRotateQueues({ handle, notifyEvents, notifyQueue, queue });
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  await gh?.close();
  await ks?.close();
});

async function leak(over: Partial<RotateJobData>): Promise<{ data: RotateJobData; secret: string; ret: Promise<NotifyJobReturn> }> {
  const key = await ks.issueKey('live');
  const repo = over.repo ?? 'shop';
  const data = rotateJobFor(key.secretKey, { fingerprint: `keywarden-secret-key:${repo}:${randomUUID()}`, last4: key.secretKey.slice(-4), ...over });
  const { ret } = await rotateAndAwaitNotice<NotifyJobReturn>({ rotate: queue, notify: notifyQueue, notifyEvents }, data, 90_000);
  return { data, secret: key.secretKey, ret };
}

/** Polls the metrics registry: the failed-job counter is bumped by an event that may land just after. */
async function metricMatching(re: RegExp): Promise<string> {
  let text = '';
  for (let i = 0; i < 50 && !re.test(text); i++) {
    text = await registry.metrics();
    await new Promise((r) => setTimeout(r, 50));
  }
  return text;
}

function expectNoSecret(secret: string): void {
  for (const m of mail) expect(m.raw.includes(secret) || m.text.includes(secret)).toBe(false);
  expect(gh.requestsContaining(secret)).toEqual([]);
  expect(logLines.join('').includes(secret)).toBe(false);
}

describe('notify.email', () => {
  it('is mailed when the issue, the commit comment and the fallback repository are all refused, with no secret in it', async () => {
    archive('archived-mail');
    archive('security-archived');
    gh.setFile('octo-org', 'archived-mail', '.github/keywarden.yml', 'notify:\n  fallbackRepo: octo-org/security-archived\n  email: security@example.com\n');
    const { data, secret, ret } = await leak({ repo: 'archived-mail' });
    expect(await ret).toMatchObject({ outcome: 'rolled', fallback: 'email' });

    const sent = mail.filter((m) => m.text.includes('octo-org/archived-mail'));
    expect(sent).toHaveLength(1);
    const [m] = sent;
    expect(m.to).toEqual(['security@example.com']);
    expect(m.from).toBe('keywarden@example.com');
    expect(m.headers).toMatch(/^subject: \[keywarden\] Leaked live secret key: rolled, old key stops working \d{4}-\d\d-\d\d \d\d:\d\d UTC \(octo-org\/archived-mail\)$/im);
    expect(m.text).toMatch(/DEADLINE: the old key stops working at \d{4}-\d\d-\d\d \d\d:\d\d UTC \(in 12 hours\)/);
    expect(m.text).toContain(`File:         ${data.path}, line ${data.line}`);
    expect(m.text).toContain(`Preview:      ${data.preview} (redacted)`);
    expect(m.text).toContain(`Fingerprint:  ${data.fingerprint}`);
    expect(m.text).toContain(`…${secret.slice(-4)}`);
    // Every GitHub way was tried first, in order, and refused. (A loaded machine can run the
    // job again when its lock lapses: the sequence then repeats, and still one email goes out.)
    const posts = gh.requests.filter((r) => r.method === 'POST' && /\/(archived-mail|security-archived)\//.test(r.url)).map((r) => `${r.operationId} ${r.url.includes('/security-archived/') ? 'fallback' : 'own'} ${r.status}`);
    expect(posts.slice(0, 3)).toEqual(['issues/create own 403', 'repos/create-commit-comment own 403', 'issues/create fallback 403']);
    expect(new Set(posts).size).toBe(3);
    expect(await metricMatching(/keywarden_notify_fallback_total\{via="email"\} [1-9]/)).toMatch(/keywarden_notify_fallback_total\{via="email"\} [1-9]/);
    expectNoSecret(secret);
    expect(gh.violations).toEqual([]);
    // GitHub paces content creation (Octokit spaces the writes seconds apart): three refused writes take a while.
  }, 120_000);

  it('is the only way left when the App was uninstalled (token 404): mailed from the settings the scan carried', async () => {
    // The installation's token request answers 404, as GitHub does once the App is uninstalled.
    gh.failOperation({ operationId: 'apps/create-installation-access-token', status: 404 });
    try {
      const { data, secret, ret } = await leak({ repo: 'gone-mail', installationId: 77, notify: { email: 'security@example.com' } });
      expect(await ret).toMatchObject({ outcome: 'rolled', fallback: 'email' });
      const sent = mail.filter((m) => m.text.includes('octo-org/gone-mail'));
      expect(sent).toHaveLength(1);
      expect(sent[0].text).toContain('the keywarden GitHub App is no longer installed on octo-org');
      expect(sent[0].text).toContain(`Fingerprint:  ${data.fingerprint}`);
      // Nothing was written to GitHub: no issue, no comment (GitHub would refuse them all).
      expect(gh.requests.filter((r) => r.url.includes('/gone-mail/'))).toEqual([]);
      expect(await ks.rollsOf(sha256(secret))).toBe(1);
      expectNoSecret(secret);
    } finally {
      gh.clearOperationFaults();
    }
  });

  it('without an address, an uninstalled App fails the notify job for good, logged and counted, and the key is still rolled', async () => {
    gh.failOperation({ operationId: 'apps/create-installation-access-token', status: 404 });
    try {
      const before = mail.length;
      const { secret, ret } = await leak({ repo: 'gone-silent', installationId: 78 });
      await expect(ret).rejects.toThrow(/NOTIFY_APP_UNINSTALLED: the keywarden App is no longer installed on installation 78 .*set notify\.email/);
      expect(mail.length).toBe(before);
      expect(await ks.rollsOf(sha256(secret))).toBe(1);
      const metrics = await metricMatching(/keywarden_notify_failed_total\{code="NOTIFY_APP_UNINSTALLED"\} [1-9]/);
      expect(metrics).toMatch(/keywarden_notify_failed_total\{code="NOTIFY_APP_UNINSTALLED"\} [1-9]/);
      // One clear error line that says nobody was told, and the job's failure logged once for good.
      const errors = logLines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level >= 50 && /NOTIFY_APP_UNINSTALLED/.test(l.msg));
      expect(errors.some((l) => /Nobody was told/.test(l.msg))).toBe(true);
      // Failed once, for good: no retries of a notice that cannot go anywhere.
      const tokenCalls = gh.requests.filter((r) => r.operationId === 'apps/create-installation-access-token' && r.url.includes('/78/'));
      expect(tokenCalls.length).toBe(1);
      expectNoSecret(secret);
    } finally {
      gh.clearOperationFaults();
    }
  });
});
