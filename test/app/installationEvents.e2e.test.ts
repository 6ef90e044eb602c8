// Installation events against the webhook server and real Redis, with GitHub's own example
// payloads: uninstalling the App or removing repositories drops their queued scans (waiting
// and delayed) and forgets their baselines; suspending sets the scans aside and unsuspending
// queues them again. Rotate jobs stay: a leaked key is rolled through the key service whether
// or not the App is still installed. No scan worker runs here, so queued jobs stay queued.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../src/app/server.js';
import { BaselineStore } from '../../src/app/baselineStore.js';
import { scanJobId } from '../../src/app/enqueueScan.js';
import { SCAN_JOB_OPTIONS, SCAN_QUEUE } from '../../src/queue/queues.js';
import type { ScanJobData } from '../../src/app/scanJobData.js';
import type { RotateJobData } from '../../src/rotation/rotateJobData.js';
import { ensureBuilt } from '../support/ensureBuilt.js';
import { deliverWebhook } from '../support/webhookDelivery.js';
import { pushExample, webhookExample } from '../support/webhookExamples.js';

const PREFIX = `kw-app-installs-${randomUUID().slice(0, 8)}`;
const SECRET = 'installation-events-secret';
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

let server: RunningServer;
let redis: Redis;
// The test's own view of the scan queue, on an ordinary connection (the server's fails fast by design).
let queue: Queue<ScanJobData>;
let baselines: BaselineStore;

beforeAll(async () => {
  ensureBuilt();
  redis = new Redis({ host: '127.0.0.1', port: 6379 });
  queue = new Queue<ScanJobData>(SCAN_QUEUE, { connection: { host: '127.0.0.1', port: 6379 }, prefix: PREFIX });
  baselines = new BaselineStore(redis, PREFIX);
  server = await startServer({ appId: 1, privateKey, webhookSecret: SECRET, redis: 'redis://127.0.0.1:6379', prefix: PREFIX, port: 0, log: pino({ level: 'silent' }) });
});

afterAll(async () => {
  await server?.close();
  await queue?.close();
  const keys = await redis.keys(`${PREFIX}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

/** Delivers a push of `owner/repo` for the installation; returns the scan's job id. */
async function push(installationId: number, owner: string, repo: string): Promise<string> {
  const p = pushExample();
  p.installation.id = installationId;
  p.repository = { ...p.repository, name: repo, full_name: `${owner}/${repo}`, owner: { ...p.repository.owner, login: owner, name: owner } };
  p.before = randomUUID().replace(/-/g, '').padEnd(40, 'a');
  expect((await deliverWebhook(server.url, 'push', p, SECRET)).status).toBe(200);
  const [job] = (await queue.getJobs(['waiting'])).filter((j) => j.data.before === p.before);
  expect(job).toBeDefined();
  return job.id!;
}

/** A scan of the installation waiting out a retry's backoff (delayed), as after a failed attempt. */
async function delayedScan(installationId: number, owner: string, repo: string): Promise<string> {
  const data: ScanJobData = { receivedAt: Date.now(), installationId, owner, repo, cloneUrl: `https://github.com/${owner}/${repo}.git`, defaultBranch: 'main', event: 'push', before: 'b'.repeat(40), after: 'c'.repeat(40) };
  const jobId = scanJobId(data);
  await queue.add('push', data, { ...SCAN_JOB_OPTIONS, jobId, delay: 3_600_000 });
  expect(await (await queue.getJob(jobId))!.getState()).toBe('delayed');
  return jobId;
}

async function queuedScanIds(installationId: number): Promise<string[]> {
  const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized', 'paused']);
  return jobs.filter((j) => j.data.installationId === installationId).map((j) => j.id!).sort();
}

async function deliver(event: string, payload: Record<string, unknown>): Promise<void> {
  const res = await deliverWebhook(server.url, event, payload, SECRET);
  expect(res.status).toBe(200);
}

describe('installation.deleted', () => {
  it("drops the installation's waiting and delayed scans, keeps other installations' scans and every rotate job, and forgets its baselines", async () => {
    const p = webhookExample('installation', (x) => x.action === 'deleted');
    const gone = 7101;
    const other = 7102;
    const account = p.installation.account.login as string;
    p.installation.id = gone;
    const waiting = await push(gone, account, 'Hello-World');
    const delayed = await delayedScan(gone, account, 'tools');
    const kept = await push(other, 'someone-else', 'Hello-World');
    const rotate = await server.queues.rotate.add('rotate', { receivedAt: Date.now(), installationId: gone, owner: account, repo: 'Hello-World', ruleId: 'r', rotator: 'keyservice', kind: 'secret', secretHash: 'f'.repeat(64), preview: 'kwsk…', fingerprint: 'x', idempotencyKey: randomUUID(), path: 'a.env', line: 1 } as RotateJobData, { jobId: `rotate-${randomUUID()}` });
    await baselines.add(account, 'Hello-World', ['a.env:r:0123456789abcdef']);
    await baselines.add(account, 'tools', ['b.env:r:0123456789abcdef']);
    await baselines.add('someone-else', 'Hello-World', ['c.env:r:0123456789abcdef']);
    expect(await queuedScanIds(gone)).toEqual([waiting, delayed].sort());

    await deliver('installation', p);

    expect(await queuedScanIds(gone)).toEqual([]);
    expect(await queue.getJob(waiting)).toBeUndefined();
    expect(await queue.getJob(delayed)).toBeUndefined();
    expect(await queuedScanIds(other)).toEqual([kept]);
    // Rotation goes through the key service, not GitHub: it still has to happen.
    expect(await server.queues.rotate.getJob(rotate.id!)).toBeDefined();
    expect((await baselines.get(account, 'Hello-World')).size).toBe(0);
    expect((await baselines.get(account, 'tools')).size).toBe(0);
    expect([...(await baselines.get('someone-else', 'Hello-World'))]).toEqual(['c.env:r:0123456789abcdef']);
  });
});

describe('installation.suspend and installation.unsuspend', () => {
  it('sets the queued scans aside while suspended and queues the same scans again when unsuspended', async () => {
    const id = 7201;
    const suspend = webhookExample('installation', (x) => x.action === 'suspend');
    const unsuspend = webhookExample('installation', (x) => x.action === 'unsuspend');
    suspend.installation.id = id;
    unsuspend.installation.id = id;
    const login = suspend.installation.account.login as string;
    const first = await push(id, login, 'Hello-World');
    const second = await delayedScan(id, login, 'tools');
    const before = (await queue.getJob(first))!.data;

    await deliver('installation', suspend);
    expect(await queuedScanIds(id)).toEqual([]);

    await deliver('installation', unsuspend);
    expect(await queuedScanIds(id)).toEqual([first, second].sort());
    expect((await queue.getJob(first))!.data).toEqual(before);

    // Each set-aside scan comes back once: a second unsuspend (a redelivery) finds none.
    await deliver('installation', unsuspend);
    expect(await queuedScanIds(id)).toEqual([first, second].sort());
  });
});

describe('installation_repositories.removed', () => {
  it("drops only the removed repositories' scans and forgets only their baselines", async () => {
    const p = webhookExample('installation_repositories', (x) => x.action === 'removed');
    const id = 7301;
    p.installation.id = id;
    const [removed] = p.repositories_removed as Array<{ full_name: string }>;
    const [owner, repo] = removed.full_name.split('/');
    const dropped = await push(id, owner, repo);
    const alsoDropped = await delayedScan(id, owner, repo);
    const kept = await push(id, owner, 'still-installed');
    await baselines.add(owner, repo, ['a.env:r:0123456789abcdef']);
    await baselines.add(owner, 'still-installed', ['b.env:r:0123456789abcdef']);

    await deliver('installation_repositories', p);

    expect(await queuedScanIds(id)).toEqual([kept]);
    expect(await queue.getJob(dropped)).toBeUndefined();
    expect(await queue.getJob(alsoDropped)).toBeUndefined();
    expect((await baselines.get(owner, repo)).size).toBe(0);
    expect((await baselines.get(owner, 'still-installed')).size).toBe(1);
  });

  it('queues a new baseline scan for a repository removed and added again', async () => {
    const added = webhookExample('installation_repositories', (x) => x.action === 'added');
    const removed = webhookExample('installation_repositories', (x) => x.action === 'removed');
    const id = 7302;
    added.installation.id = id;
    removed.installation.id = id;
    added.repositories_added = [{ id: 1, node_id: 'R_1', name: 'again', full_name: 'Codertocat/again', private: true }];
    removed.repositories_removed = added.repositories_added;

    await deliver('installation_repositories', added);
    const [firstBaseline] = await queuedScanIds(id);
    await deliver('installation_repositories', removed);
    await deliver('installation_repositories', added);

    const again = await queuedScanIds(id);
    expect(again).toHaveLength(1);
    expect(again[0]).not.toBe(firstBaseline);
    expect((await queue.getJob(again[0]))!.data).toMatchObject({ event: 'installation', owner: 'Codertocat', repo: 'again', isPrivate: true });
  });
});
