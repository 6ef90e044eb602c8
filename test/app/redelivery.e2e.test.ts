// Webhooks lost to a Redis outage come back: while Redis is away from `keywarden serve`, pushes
// are answered 503 and GitHub (the stand-in, which sends them and keeps the delivery log)
// records failed deliveries. The redelivery sweeper skips while Redis is down; once it is
// back, it lists GET /app/hook/deliveries and asks POST .../attempts for each failed event,
// once; each is then scanned exactly once. A redelivered webhook whose scan had failed for
// good runs it again; one whose scan completed does not. Redis is taken away through a TCP
// proxy in this process (the machine's shared Redis keeps running); real git repositories,
// real BullMQ, the OpenAPI-validated GitHub stand-in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { renameSync } from 'node:fs';
import { Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { formatToken } from '../../src/keyformat/keyFormat.js';
import { startServer, type RunningServer } from '../../src/app/server.js';
import { startScanWorker, type ScanWorkerHandle } from '../../src/app/scanWorker.js';
import { createRedeliverySweeper, type RedeliverySweeper, type SweepResult } from '../../src/app/redeliverySweeper.js';
import { enqueueScanJob, scanJobId } from '../../src/app/enqueueScan.js';
import { scanJobsForPush } from '../../src/app/handlers/push.js';
import type { ScanJobData } from '../../src/app/scanJobData.js';
import { gitHubApp } from '../../src/github/client.js';
import { SCAN_QUEUE } from '../../src/queue/queues.js';
import { webhookRedeliveriesTotal } from '../../src/queue/metrics.js';
import { startGitHubStandIn, type GitHubStandIn } from '../support/githubStandIn.js';
import { TestRepo } from '../support/gitRepo.js';
import { ensureBuilt } from '../support/ensureBuilt.js';
import { TcpProxy } from '../support/tcpProxy.js';
import { pushExample } from '../support/webhookExamples.js';
import { finishedJob } from '../support/scanJobRuns.js';
import type { StoredDelivery } from '../support/githubStandInHooks.js';

const PREFIX = `kw-redelivery-${randomUUID().slice(0, 8)}`;
const SECRET = 'webhook-secret-for-tests';
const OWNER = 'Codertocat';
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const log = pino({ level: 'silent' });

let gh: GitHubStandIn;
let proxy: TcpProxy;
let server: RunningServer;
let worker: ScanWorkerHandle;
let redis: Redis;
const sweepers: RedeliverySweeper[] = [];
const repos: TestRepo[] = [];

function sweeper(): RedeliverySweeper {
  const app = gitHubApp({ appId: 1, privateKey, baseUrl: gh.url, log, retry: { retries: 1, baseDelayMs: 20, maxDelayMs: 100 } });
  // Through the proxy: the sweeper sees the outage as the server does.
  const s = createRedeliverySweeper({ github: () => app.app(), redis: proxy.url, prefix: PREFIX, log, intervalMs: 60_000 });
  sweepers.push(s);
  return s;
}

/** A repository whose push adds one live secret key, and the push webhook for it. */
function leakyPush(name: string) {
  const repo = new TestRepo();
  repos.push(repo);
  const base = repo.commit({ 'README.md': 'hello\n' }, 'base');
  const head = repo.commit({ 'config/prod.env': `KEYSERVICE_SECRET_KEY=${formatToken('secret', 'live')}\n` }, 'add key');
  const p = pushExample();
  Object.assign(p, { ref: 'refs/heads/main', before: base, after: head, created: false });
  Object.assign(p.repository, { name, full_name: `${OWNER}/${name}`, clone_url: repo.cloneUrl, default_branch: 'main', master_branch: 'main' });
  return { repo, head, payload: p };
}

const target = () => ({ url: server.url, secret: SECRET });
const scanJobsOf = async (name: string) => (await server.queues.scan.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed'])).filter((j) => j.data.repo === name);
const checkRunCreates = (name: string) => gh.requests.filter((r) => r.operationId === 'checks/create' && r.url.includes(`/${OWNER}/${name}/`));
const redeliverCalls = () => gh.requests.filter((r) => r.operationId === 'apps/redeliver-webhook-delivery');
const requestedTotal = async () => (await webhookRedeliveriesTotal.get()).values.find((v) => v.labels.result === 'requested')?.value ?? 0;

async function until<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, tries = 600): Promise<T> {
  for (let i = 0; i < tries; i++) {
    const v = await probe();
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting for ${what}; violations: ${gh.violations.join(' | ')}`);
}

/**
 * Sends an event until the app server takes it: under a loaded machine its first queue call can
 * outlast the producer's 2-second timeout, and it answers 503, as it should; GitHub is then
 * asked again, as the sweeper would.
 */
async function deliverTaken(payload: Record<string, unknown>) {
  return untilTaken(await gh.deliverWebhook(target(), 'push', payload));
}
async function untilTaken(first: StoredDelivery) {
  for (let i = 0; i < 5 && !gh.webhooks.ofGuid(first.guid).some((d) => d.statusCode === 200); i++) {
    gh.webhooks.redeliver(first.id);
    await gh.webhooks.settled();
  }
  expect(gh.webhooks.ofGuid(first.guid).at(-1)!.statusCode).toBe(200);
  return first;
}

/** Sweeps until the sweeper's own connection is back (it skips while Redis is down). */
async function sweepOnceRedisIsBack(s: RedeliverySweeper): Promise<SweepResult> {
  return until('a sweep with Redis back', async () => {
    const r = await s.sweep();
    return r.outcome === 'redis-down' ? undefined : r;
  });
}

beforeAll(async () => {
  ensureBuilt();
  gh = await startGitHubStandIn();
  proxy = new TcpProxy(6379);
  await proxy.start();
  redis = new Redis({ host: '127.0.0.1', port: 6379 });
  server = await startServer({ appId: 1, privateKey, webhookSecret: SECRET, redis: proxy.url, prefix: PREFIX, baseUrl: gh.url, port: 0, log });
  worker = startScanWorker({ redis: 'redis://127.0.0.1:6379', prefix: PREFIX, appId: 1, privateKey, baseUrl: gh.url, allowLocalClone: true, handleSignals: false, log, githubRetry: { retries: 2, baseDelayMs: 20, maxDelayMs: 200 } });
});

afterAll(async () => {
  for (const s of sweepers) await s.close();
  await worker?.close();
  await server?.close();
  await proxy?.close();
  const keys = await redis.keys(`${PREFIX}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
  await gh?.close();
  for (const r of repos) r.remove();
});

describe('webhooks answered 503 while Redis was down', () => {
  it('are redelivered by the sweeper once Redis is back, and each is scanned exactly once', async () => {
    const before = leakyPush('delivered-before');
    await until('serve to be up', async () => (await fetch(`${server.url}/healthz`)).status === 200);
    const ok = await deliverTaken(before.payload);

    proxy.cut();
    const lost = ['lost-a', 'lost-b', 'lost-c'].map(leakyPush);
    const failed: StoredDelivery[] = [];
    for (const l of lost) failed.push(await gh.deliverWebhook(target(), 'push', l.payload));
    expect(failed.map((d) => d.statusCode)).toEqual([503, 503, 503]);
    const a = sweeper();
    const b = sweeper();
    // Redis down: nothing is asked of GitHub (a redelivery now would fail again).
    expect((await a.sweep()).outcome).toBe('redis-down');
    expect(redeliverCalls()).toHaveLength(0);

    proxy.restore();
    await until('serve to reconnect', async () => (await fetch(`${server.url}/healthz`)).status === 200);
    const metricBefore = await requestedTotal();
    // Two workers sweep at the same moment: one sweeps, and each failed event is asked for once.
    const [ra, rb] = await Promise.all([sweepOnceRedisIsBack(a), sweepOnceRedisIsBack(b)]);
    const requested = [...ra.requested, ...rb.requested];
    expect(requested.sort()).toEqual(failed.map((d) => d.guid).sort());
    expect(redeliverCalls()).toHaveLength(3);
    expect(redeliverCalls().map((r) => r.url.match(/deliveries\/(\d+)\//)![1]).sort()).toEqual(failed.map((d) => String(d.id)).sort());
    expect(await requestedTotal()).toBe(metricBefore + 3);

    await gh.webhooks.settled();
    // A loaded machine can answer a redelivery 503 too (see deliverTaken): ask again then.
    for (const d of failed) await untilTaken(d);
    for (const d of failed) expect(gh.webhooks.ofGuid(d.guid).map((x) => [x.redelivery, x.statusCode]).at(-1)).toEqual([true, 200]);
    expect(gh.webhooks.ofGuid(ok.guid).filter((x) => x.redelivery && redeliverCalls().some((r) => r.url.includes(`/${x.id}/`)))).toEqual([]);

    for (const l of [before, ...lost]) {
      const name = l.payload.repository.name as string;
      const [job] = await until(`the scan of ${name}`, async () => {
        const jobs = await scanJobsOf(name);
        return jobs.length > 0 && (await jobs[0].getState()) === 'completed' ? jobs : undefined;
      });
      expect(await scanJobsOf(name)).toHaveLength(1);
      // Read again: the listed job may be a snapshot from before it finished.
      expect((await server.queues.scan.getJob(job.id!))!.attemptsMade).toBe(1);
      expect(checkRunCreates(name)).toHaveLength(1);
      expect(gh.state.checkRuns.filter((c) => c.repo === name)).toEqual([expect.objectContaining({ head_sha: l.head, conclusion: 'failure' })]);
    }

    // Every event has a 2xx attempt now: a later sweep asks for nothing.
    const again = await a.sweep();
    expect(again).toMatchObject({ outcome: 'swept', requested: [] });
    expect(again.skipped.filter((s) => s.reason === 'succeeded').map((s) => s.guid)).toEqual(expect.arrayContaining([ok.guid, ...failed.map((d) => d.guid)]));
    expect(redeliverCalls().filter((r) => gh.webhooks.ofGuid(ok.guid).some((x) => r.url.includes(`/${x.id}/`)))).toEqual([]);
    expect(gh.violations).toEqual([]);
  });
});

describe('a redelivered webhook', () => {
  it('runs its scan again when that job had failed for good, and not when it completed', async () => {
    const l = leakyPush('failed-then-redelivered');
    const data = (scanJobsForPush(l.payload, { deliveryId: randomUUID(), receivedAt: Date.now() }) as { jobs: ScanJobData[] }).jobs[0];
    const jobId = scanJobId(data);
    // The job's first life: the repository cannot be fetched, and it fails for good (one
    // attempt here, five in production).
    const moved = `${l.repo.bare}-away`;
    renameSync(l.repo.bare, moved);
    await server.queues.scan.add(data.event, data, { jobId, attempts: 1 });
    const dead = await finishedJob(server.queues.scan, jobId, gh.violations);
    expect(await dead.getState()).toBe('failed');
    renameSync(moved, l.repo.bare);

    const first = await deliverTaken(l.payload);
    await until('the scan to run again', async () => (await server.queues.scan.getJobState(jobId)) === 'completed');
    const rerun = (await server.queues.scan.getJob(jobId))!;
    expect(rerun.attemptsMade).toBe(1);
    expect(await scanJobsOf('failed-then-redelivered')).toHaveLength(1);
    expect(gh.state.checkRuns.filter((c) => c.repo === 'failed-then-redelivered')).toEqual([expect.objectContaining({ head_sha: l.head, status: 'completed', conclusion: 'failure' })]);
    const creates = checkRunCreates('failed-then-redelivered').length;

    // Redelivered again, now that its scan completed: deduplicated, nothing runs.
    const res = await fetch(`${gh.url}/app/hook/deliveries/${first.id}/attempts`, { method: 'POST', headers: { authorization: 'Bearer a.b.c' } });
    expect(res.status).toBe(202);
    await gh.webhooks.settled();
    expect(gh.webhooks.ofGuid(first.guid).map((d) => d.statusCode).slice(-2)).toEqual([200, 200]);
    const after = (await server.queues.scan.getJob(jobId))!;
    expect(after.finishedOn).toBe(rerun.finishedOn);
    expect(await after.getState()).toBe('completed');
    expect(checkRunCreates('failed-then-redelivered')).toHaveLength(creates);
    expect(gh.violations).toEqual([]);
  });

  it('stays deduplicated while its job waits, and two racing redeliveries of a failed job run it once', async () => {
    // A queue of its own with no worker: jobs stay where the test puts them.
    const prefix = `${PREFIX}-idle`;
    const queue = new Queue<ScanJobData>(SCAN_QUEUE, { connection: { host: '127.0.0.1', port: 6379 }, prefix });
    try {
      const l = leakyPush('idle-queue');
      const data = (scanJobsForPush(l.payload, { receivedAt: Date.now() }) as { jobs: ScanJobData[] }).jobs[0];
      const first = await enqueueScanJob(queue, data);
      const second = await enqueueScanJob(queue, data);
      expect([first.outcome, second.outcome]).toEqual(['queued', 'queued']);
      expect(second.jobId).toBe(first.jobId);
      expect(await queue.getJobCounts('waiting')).toMatchObject({ waiting: 1 });

      // A worker fails it for good (attempts used up, or unrecoverable), then goes away.
      const w = new Worker<ScanJobData>(SCAN_QUEUE, async () => { throw new UnrecoverableError('fetch failed'); }, { connection: { host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null }, prefix });
      await until('the job to fail for good', async () => (await queue.getJobState(first.jobId)) === 'failed');
      await w.close();

      const racing = await Promise.all([enqueueScanJob(queue, data), enqueueScanJob(queue, data), enqueueScanJob(queue, data)]);
      expect(racing.filter((r) => r.outcome === 'rerun')).toHaveLength(1);
      expect(await queue.getJobState(first.jobId)).toBe('waiting');
      expect(await queue.getJobCounts('waiting', 'failed')).toMatchObject({ waiting: 1, failed: 0 });
    } finally {
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      await queue.close();
    }
  });
});
