// `keywarden worker` as a container runtime treats it: SIGTERM with a job that hangs (GitHub
// does not answer), SIGSTOP for 5 s while a job runs, its ops port and its heartbeat. The
// built CLI in child processes, real Redis and BullMQ, a real git repository, and the
// OpenAPI-validated GitHub stand-in. The hang is the stand-in holding the installation token
// request; the test releases it by making the held call count itself.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { SCAN_QUEUE } from '../../src/queue/queues.js';
import { enqueueScan, scanJobId } from '../../src/app/enqueueScan.js';
import type { ScanJobData } from '../../src/app/scanJobData.js';
import { startGitHubStandIn, type GitHubStandIn } from '../support/githubStandIn.js';
import { ensureBuilt } from '../support/ensureBuilt.js';
import { deleteKeysUnder } from '../support/redisKeys.js';
import { TestRepo } from '../support/gitRepo.js';
import { BIN, runCli } from '../cli/runCli.js';

const PREFIX = `kw-lifecycle-${randomUUID().slice(0, 8)}`;
const TOKEN_OP = 'apps/create-installation-access-token';
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const scratch = mkdtempSync(join(tmpdir(), 'kw-lifecycle-'));

let gh: GitHubStandIn;
let queue: Queue<ScanJobData>;
const repo = new TestRepo();
const children: Worker[] = [];

interface Worker {
  child: ChildProcess;
  output(): string;
  exit: Promise<number | null>;
}

function workerEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, APP_ID: '1', PRIVATE_KEY: privateKey, REDIS_URL: 'redis://127.0.0.1:6379', BULLMQ_PREFIX: PREFIX, GITHUB_API_URL: gh.url, KEYWARDEN_ALLOW_FILE_CLONE: '1', LOG_LEVEL: 'info', KEYWARDEN_HEARTBEAT_FILE: join(scratch, `hb-${randomUUID()}.json`), ...extra };
  for (const k of ['KEYSERVICE_URL', 'KEYSERVICE_PUBLIC_KEY', 'KEYSERVICE_SECRET_KEY', 'WEBHOOK_SECRET', 'METRICS_PORT', 'OPS_PORT', 'SHUTDOWN_GRACE_SECONDS', 'GHE_HOST', 'GHE_PROTOCOL']) if (!(k in extra)) delete env[k];
  return env;
}

async function startWorker(env: NodeJS.ProcessEnv): Promise<Worker> {
  const child = spawn(process.execPath, [BIN, 'worker', '--queues', 'scan'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const w: Worker = { child, output: () => out, exit };
  children.push(w);
  await until(() => out.includes('keywarden worker started') || child.exitCode !== null, 30_000);
  expect(out, 'the worker started').toContain('keywarden worker started');
  return w;
}

async function until(cond: () => boolean | Promise<boolean>, ms: number): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; ) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const tokenCalls = () => gh.requests.filter((r) => r.operationId === TOKEN_OP).length;

/** Makes the held token call that lets a hold of `calls: 2` go (the stand-in checks only the JWT's shape). */
async function releaseTokenHold(): Promise<void> {
  const res = await fetch(`${gh.url}/app/installations/1/access_tokens`, { method: 'POST', headers: { authorization: 'Bearer aaa.bbb.ccc', accept: 'application/vnd.github+json' } });
  expect(res.status).toBe(201);
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise((r) => srv.close(r));
  return port;
}

function pushJob(name: string): ScanJobData {
  const base = repo.commit({ 'README.md': `hello ${name}\n` }, `base ${name}`);
  const head = repo.commit({ 'src/app.ts': `export const name = '${name}';\n` }, `change ${name}`);
  return { receivedAt: Date.now(), installationId: 1, owner: 'Codertocat', repo: name, cloneUrl: repo.cloneUrl, defaultBranch: 'main', event: 'push', before: base, after: head, ref: 'refs/heads/main' };
}

beforeAll(async () => {
  ensureBuilt();
  gh = await startGitHubStandIn();
  queue = new Queue<ScanJobData>(SCAN_QUEUE, { connection: { host: '127.0.0.1', port: 6379 }, prefix: PREFIX });
});

afterAll(async () => {
  for (const w of children) {
    if (w.child.exitCode === null && w.child.signalCode === null) {
      w.child.kill('SIGCONT');
      w.child.kill('SIGKILL');
      await w.exit;
    }
  }
  await queue.close();
  await deleteKeysUnder(PREFIX);
  await gh.close();
  repo.remove();
  rmSync(scratch, { recursive: true, force: true });
});

describe('keywarden worker lifecycle', () => {
  it('on SIGTERM exits within 25 s and hands its hanging job back to the queue, which another worker then runs once', async () => {
    const hold = gh.holdOperation({ operationId: TOKEN_OP, calls: 2, maxWaitMs: 120_000 });
    const a = await startWorker(workerEnv());
    const data = pushJob('sigterm');
    await enqueueScan(queue, data);
    const jobId = scanJobId(data);
    // The job hangs on GitHub: the installation token request is held.
    await until(() => tokenCalls() === 1, 30_000);
    expect(await queue.getJobState(jobId)).toBe('active');

    const sent = Date.now();
    a.child.kill('SIGTERM');
    const code = await a.exit;
    const tookMs = Date.now() - sent;
    expect(code, a.output()).toBe(0);
    expect(tookMs, `the worker took ${tookMs} ms to exit`).toBeLessThan(25_000);
    expect(a.output()).toMatch(/handed back to the queue/);

    // Back in wait at once (not left active for the stalled-job check), with no failed attempt counted.
    expect(await queue.getJobState(jobId)).toBe('waiting');
    const returned = await queue.getJob(jobId);
    expect(returned?.attemptsMade).toBe(0);
    expect(returned?.failedReason).toBeFalsy();

    // Another worker takes it; its token request is the hold's second call, which lets both go.
    // (It waits for the report lock the first worker held, up to its 30 s TTL: that lock keeps
    // the first worker's last GitHub write, possibly still in flight, apart from this one.)
    const b = await startWorker(workerEnv());
    expect((await hold).releasedBy).toBe('calls');
    await until(async () => (await queue.getJobState(jobId)) === 'completed', 60_000);
    expect(await queue.getJobState(jobId), b.output()).toBe('completed');
    const done = await queue.getJob(jobId);
    // Started twice (once per worker), one attempt counted (the one that completed), never stalled.
    expect([done?.attemptsStarted, done?.attemptsMade, done?.stalledCounter]).toEqual([2, 1, 0]);
    const runs = gh.state.checkRuns.filter((c) => c.repo === 'sigterm' && c.head_sha === data.after);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(gh.violations).toEqual([]);

    b.child.kill('SIGTERM');
    expect(await b.exit).toBe(0);
  }, 150_000);

  it('a worker paused for 5 s (SIGSTOP) keeps its job: another worker does not run it again', async () => {
    const before = tokenCalls();
    const hold = gh.holdOperation({ operationId: TOKEN_OP, calls: 2, maxWaitMs: 120_000 });
    const a = await startWorker(workerEnv());
    const data = pushJob('paused');
    await enqueueScan(queue, data);
    const jobId = scanJobId(data);
    await until(() => tokenCalls() === before + 1, 30_000);
    expect(await queue.getJobState(jobId)).toBe('active');
    // A second worker on the queue, whose stalled-job check runs while the first is paused.
    const b = await startWorker(workerEnv());

    a.child.kill('SIGSTOP');
    await new Promise((r) => setTimeout(r, 5_500));
    a.child.kill('SIGCONT');
    await releaseTokenHold();
    await hold;

    await until(async () => (await queue.getJobState(jobId)) === 'completed', 60_000);
    expect(await queue.getJobState(jobId), `${a.output()}\n${b.output()}`).toBe('completed');
    const job = await queue.getJob(jobId);
    expect(job?.attemptsStarted, 'times the job was started').toBe(1);
    expect(job?.stalledCounter).toBe(0);
    // Only the paused worker (its installation token, then the scan's narrowed git token) and
    // the test asked for a token: the other worker never ran the job.
    expect(tokenCalls()).toBe(before + 3);
    expect(gh.state.checkRuns.filter((c) => c.repo === 'paused' && c.head_sha === data.after)).toHaveLength(1);

    for (const w of [a, b]) w.child.kill('SIGTERM');
    expect(await Promise.all([a.exit, b.exit])).toEqual([0, 0]);
  }, 150_000);

  it('serves /metrics on OPS_PORT and keeps a heartbeat that `keywarden healthcheck` reads', async () => {
    const port = await freePort();
    const env = workerEnv({ OPS_PORT: String(port) });
    const hbFile = env.KEYWARDEN_HEARTBEAT_FILE!;
    const w = await startWorker(env);
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/^keywarden_queue_depth|keywarden_scans_total/m);
    expect((await fetch(`http://127.0.0.1:${port}/api/github/webhooks`, { method: 'POST' })).status).toBe(404);

    await until(() => existsSync(hbFile), 15_000);
    // The health check of a worker container: its heartbeat (there is nothing on PORT).
    const closedPort = String(await freePort());
    const healthy = await runCli(['healthcheck'], { cwd: scratch, env: { KEYWARDEN_HEARTBEAT_FILE: hbFile, PORT: closedPort, HEALTHCHECK_URL: undefined } });
    expect(healthy.code, healthy.stdout + healthy.stderr).toBe(0);
    expect(healthy.stdout).toMatch(/^healthy: worker heartbeat .* Redis reachable/);

    w.child.kill('SIGTERM');
    expect(await w.exit).toBe(0);
    // A worker that stopped removed its heartbeat: nothing answers, so unhealthy.
    expect(existsSync(hbFile)).toBe(false);
    const gone = await runCli(['healthcheck'], { cwd: scratch, env: { KEYWARDEN_HEARTBEAT_FILE: hbFile, PORT: closedPort, HEALTHCHECK_URL: undefined } });
    expect(gone.code).toBe(1);
    expect(gone.stdout).toMatch(/^unhealthy: .*did not answer/);
  }, 90_000);
});
