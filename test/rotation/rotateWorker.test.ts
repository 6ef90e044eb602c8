// The rotate worker with real Redis, the real key service (behind the fault proxy) and the
// GitHub stand-in: outcomes, retries that never repeat the roll, and the dead-letter view.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Queue, QueueEvents } from 'bullmq';
import { Octokit } from '@octokit/rest';
import { withRetryHook } from '../../src/github/client.js';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { NOTIFY_QUEUE, ROTATE_JOB_OPTIONS, ROTATE_QUEUE } from '../../src/queue/queues.js';
import type { RotateJobData } from '../../src/rotation/rotateJobData.js';
import { startRotateWorker, type RotateWorkerHandle } from '../../src/rotation/rotateWorker.js';
import type { NotifyJobReturn } from '../../src/rotation/rotateAndNotify.js';
import { listDeadLetters, retryDeadLetters } from '../../src/rotation/deadLetters.js';
import { openRedis } from '../../src/queue/redis.js';
import { RotatorRegistry } from '../../src/rotation/rotator.js';
import { KeyServiceRotator } from '../../src/rotation/keyServiceRotator.js';
import { startGitHubStandIn, type GitHubStandIn } from '../support/githubStandIn.js';
import { matchOperation } from '../support/openapiContract.js';
import { FaultProxy } from './faultProxy.js';
import { startKeyServiceHarness, type KeyServiceHarness } from './keyServiceHarness.js';
import { rotateJobFor } from './fixtures.js';

const REDIS = { host: '127.0.0.1', port: 6379 };
const prefix = `kw-test-rotw-${randomUUID().slice(0, 8)}`;
const TOKEN = 'ghs_rotateworkertesttoken00000000000000';
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

let ks: KeyServiceHarness;
let proxy: FaultProxy;
let gh: GitHubStandIn;
let queue: Queue<RotateJobData>;
let events: QueueEvents;
let notifyQueue: Queue;
let notifyEvents: QueueEvents;
let handle: RotateWorkerHandle;
const logLines: string[] = [];

beforeAll(async () => {
  ks = await startKeyServiceHarness({ realClock: true });
  proxy = new FaultProxy(ks.url);
  await proxy.start();
  gh = await startGitHubStandIn();
  gh.state.tokens.add(TOKEN);
  // Parse GitHub's 70 MB OpenAPI file now: doing it inside a job would block this process's
  // event loop long enough for the job's lock to lapse.
  matchOperation('GET', '/');
  const connection = openRedis(REDIS);
  queue = new Queue<RotateJobData>(ROTATE_QUEUE, { connection, prefix });
  events = new QueueEvents(ROTATE_QUEUE, { connection: REDIS, prefix });
  await events.waitUntilReady();
  notifyQueue = new Queue(NOTIFY_QUEUE, { connection, prefix });
  notifyEvents = new QueueEvents(NOTIFY_QUEUE, { connection: REDIS, prefix });
  await notifyEvents.waitUntilReady();
  const sink = new Writable({ write(chunk, _enc, cb) { logLines.push(String(chunk)); cb(); } });
  handle = startRotateWorker({
    redis: REDIS,
    prefix,
    concurrency: 4,
    handleSignals: false,
    backoffBaseMs: 50,
    backoffMaxMs: 200,
    registry: new RotatorRegistry().register(new KeyServiceRotator({ baseUrl: proxy.url, ...ks.bot, timeoutMs: 500, inProcessRetryMs: 100 })),
    github: async (installationId) => withRetryHook(new Octokit({ baseUrl: gh.url, auth: TOKEN, log: quiet }), installationId, { retry: { retries: 1, baseDelayMs: 5, maxDelayMs: 20 } }),
    issueSettings: async () => ({ labels: ['security'] }),
    log: pino({ level: 'debug' }, sink),
  });
});

afterAll(async () => {
  await handle?.close();
  await events?.close();
  await notifyEvents?.close();
  await notifyQueue?.obliterate({ force: true }).catch(() => undefined);
  await notifyQueue?.close();
  await queue?.obliterate({ force: true }).catch(() => undefined);
  await queue?.close();
  await gh?.close();
  await proxy?.close();
  await ks?.close();
});

beforeEach(() => {
  gh.setFaults(null);
  proxy.randomly(0, []);
});

async function enqueue(data: RotateJobData) {
  return queue.add(data.rotator, data, { ...ROTATE_JOB_OPTIONS, jobId: `rotate-${data.idempotencyKey}` });
}

/** Waits for the notify step of this leak and returns its result. */
async function notified(data: RotateJobData): Promise<NotifyJobReturn> {
  const id = `notify-${data.idempotencyKey}`;
  for (let i = 0; i < 300; i++) {
    const job = await notifyQueue.getJob(id);
    if (job) return (await job.waitUntilFinished(notifyEvents, 30_000)) as NotifyJobReturn;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no notify job ${id}`);
}

function issuesFor(secretHash: string) {
  return gh.state.issues.filter((i) => i.body.includes(`keywarden:secret-hash=${secretHash}`));
}

describe('rotate worker', () => {
  it('rolls the key, opens the issue, and records the outcome', async () => {
    const key = await ks.issueKey('live');
    const data = rotateJobFor(key.secretKey);
    const job = await enqueue(data);
    const ret = await job.waitUntilFinished(events, 30_000);
    expect(ret).toMatchObject({ outcome: 'rolled', notifyJobId: `notify-${data.idempotencyKey}` });
    expect(await notified(data)).toMatchObject({ outcome: 'rolled', issueCreated: true });
    expect(await ks.rollsOf(data.secretHash)).toBe(1);
    expect(issuesFor(data.secretHash)).toHaveLength(1);
    expect(issuesFor(data.secretHash)[0].labels).toContain('security');
    const stored = await queue.getJob(job.id!);
    expect(stored?.data).toMatchObject({ rotation: { outcome: 'rolled' } });
    expect(JSON.stringify(stored?.data)).not.toContain(key.secretKey);
  });

  it('a GitHub outage does not delay the roll; the notify step retries until the issue is open, without calling the key service again', async () => {
    const key = await ks.issueKey('live');
    const data = rotateJobFor(key.secretKey);
    gh.setFaults({ share: 1, kinds: ['502'] });
    const job = await enqueue(data);
    expect((await job.waitUntilFinished(events, 30_000)).outcome).toBe('rolled');
    expect(await ks.rollsOf(data.secretHash)).toBe(1);
    await new Promise<void>((resolve) => {
      const check = async () => ((await notifyQueue.getJob(`notify-${data.idempotencyKey}`))?.attemptsMade ?? 0) >= 1;
      const timer = setInterval(() => void check().then((done) => done && (clearInterval(timer), resolve())), 50);
    });
    expect(issuesFor(data.secretHash)).toHaveLength(0);
    gh.setFaults(null);
    expect((await notified(data)).issueCreated).toBe(true);
    const leakCalls = proxy.records.filter((r) => r.path === '/v1/leaks' && r.headers['x-idempotency-key'] === data.idempotencyKey);
    expect(leakCalls).toHaveLength(1);
    expect(issuesFor(data.secretHash)).toHaveLength(1);
    expect(await ks.rollsOf(data.secretHash)).toBe(1);
  });

  it('a re-run of a finished rotate job neither rolls again nor queues a second notice', async () => {
    const key = await ks.issueKey('live');
    const data = rotateJobFor(key.secretKey);
    const first = await enqueue(data);
    await first.waitUntilFinished(events, 30_000);
    await notified(data);
    // The app re-queues the same leak (a re-delivered webhook): the job id collapses it; and a
    // forced re-run with a new id still finds the saved state in the service and on GitHub.
    await queue.add(data.rotator, data, { ...ROTATE_JOB_OPTIONS, jobId: `rotate-rerun-${data.idempotencyKey}` }).then((j) => j.waitUntilFinished(events, 30_000));
    expect(await ks.rollsOf(data.secretHash)).toBe(1);
    expect(issuesFor(data.secretHash)).toHaveLength(1);
  });

  it('5xx, timeouts and REQUEST_IN_PROCESS are retried; each key is rolled exactly once', async () => {
    proxy.randomly(0.5, ['500-before', '500-after', 'hang-after', 'in-process'], ['/v1/leaks', '/v1/keys/verify']);
    const keys = await Promise.all(Array.from({ length: 8 }, () => ks.issueKey('live')));
    const jobs = await Promise.all(keys.map((k) => enqueue(rotateJobFor(k.secretKey))));
    const results = await Promise.all(jobs.map((j) => j.waitUntilFinished(events, 60_000)));
    proxy.randomly(0, []);
    expect(results.map((r) => r.outcome)).toEqual(keys.map(() => 'rolled'));
    for (const k of keys) {
      const data = rotateJobFor(k.secretKey);
      await notified(data);
      expect(await ks.rollsOf(data.secretHash)).toBe(1);
      expect(issuesFor(data.secretHash)).toHaveLength(1);
    }
    expect(proxy.records.some((r) => r.fault !== 'pass')).toBe(true);
  });

  it('an unknown key is not rotated and opens no issue; a public key in a PR gets a note', async () => {
    const unknown = rotateJobFor('kwsk_live_thisisnotakeythatexists000000000000');
    const unknownRet = await (await enqueue(unknown)).waitUntilFinished(events, 30_000);
    expect(unknownRet).toEqual({ outcome: 'unknown' });
    expect(issuesFor(unknown.secretHash)).toHaveLength(0);

    const key = await ks.issueKey('live');
    gh.addPull('octo-org', 'shop', { number: 42, baseSha: 'b'.repeat(40), headSha: 'c'.repeat(40) });
    const pub = rotateJobFor(key.publicKey, { kind: 'public', pullRequest: { number: 42 } });
    expect((await (await enqueue(pub)).waitUntilFinished(events, 30_000)).outcome).toBe('public');
    expect((await notified(pub)).pullRequestCommented).toBe(true);
    expect(gh.state.issueComments.filter((c) => c.issue_number === 42 && c.body.includes('public'))).toHaveLength(1);
  });

  it('a permanent failure goes to the dead-letter view at once, and can be sent back', async () => {
    const data = rotateJobFor('whatever-secret', { rotator: 'no-such-rotator' });
    const job = await enqueue(data);
    await expect(job.waitUntilFinished(events, 30_000)).rejects.toThrow(/ROTATOR_UNKNOWN/);
    const dead = await listDeadLetters(queue as never);
    const entry = dead.find((d) => d.id === job.id);
    expect(entry).toMatchObject({ attemptsMade: 1, secretHash: data.secretHash });
    expect(entry?.failedReason).toMatch(/no rotator named "no-such-rotator"/);
    expect(await retryDeadLetters(queue as never, [job.id!])).toEqual([job.id]);
    await expect(job.waitUntilFinished(events, 30_000)).rejects.toThrow(/ROTATOR_UNKNOWN/);
  });

  it('logs never carry a secret', () => {
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join('\n')).not.toMatch(/kwsk_live_[0-9A-Za-z]{36}/);
  });
});
