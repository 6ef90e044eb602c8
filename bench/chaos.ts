// `npm run chaos`: 200 leaks through the rotate pipeline while things break.
//   - two rotate worker PROCESSES; one is SIGKILLed mid-job, a fresh one is started later;
//   - our own redis-server (never the shared one) is kill -9'd and restarted;
//   - the real key service sits behind a fault proxy: a share of calls answer 500 (before or
//     after the service acted) or time out;
//   - the OpenAPI-validated GitHub stand-in answers 502 and 403/429 secondary rate limits;
//   - a burst of push webhooks (one more leak each) reaches `keywarden serve`, and Redis is
//     killed in the middle of it: those webhooks are answered 503, and the redelivery sweeper
//     has GitHub (the stand-in) redeliver them once Redis is back (bench/rotation/webhookBurst.ts).
// Then it checks: every key rolled exactly once (counted in the key service's database),
// exactly one issue per leak, zero lost jobs and webhooks, each push scanned once, and no raw
// secret in logs, Redis or requests.
// Exit code 0 when every check holds. Bounded: gives up after CHAOS_TIMEOUT_S (default 360). CHAOS_LEAKS, CHAOS_WEBHOOKS: how many.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { NOTIFY_QUEUE, ROTATE_JOB_OPTIONS, ROTATE_QUEUE } from '../src/queue/queues.js';
import type { RotateJobData } from '../src/rotation/rotateJobData.js';
import { startGitHubStandIn } from '../test/support/githubStandIn.js';
import { matchOperation } from '../test/support/openapiContract.js';
import { FaultProxy } from '../test/rotation/faultProxy.js';
import { startKeyServiceHarness } from '../test/rotation/keyServiceHarness.js';
import { rotateJobFor, sha256 } from '../test/rotation/fixtures.js';
import { PrivateRedis } from './rotation/privateRedis.js';
import { WebhookBurst } from './rotation/webhookBurst.js';

const LEAKS = Number(process.env.CHAOS_LEAKS ?? 200);
/** Leaks that arrive as push webhooks instead of queued rotate jobs. */
const WEBHOOK_LEAKS = Number(process.env.CHAOS_WEBHOOKS ?? 24);
const ALL_LEAKS = LEAKS + WEBHOOK_LEAKS;
const TIMEOUT_MS = Number(process.env.CHAOS_TIMEOUT_S ?? 360) * 1000;
const KEYSERVICE_FAULT_SHARE = 0.15;
const GITHUB_FAULT_SHARE = 0.15;
const GH_TOKEN = 'ghs_chaosrunInstallationToken000000000000';
const workerEntry = fileURLToPath(new URL('./rotation/chaosWorker.ts', import.meta.url));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const t0 = Date.now();
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
const say = (msg: string) => process.stderr.write(`[chaos ${elapsed()}] ${msg}\n`);

const redis = new PrivateRedis();
await redis.start();
const ks = await startKeyServiceHarness({ realClock: true });
const proxy = new FaultProxy(ks.url);
await proxy.start();
const gh = await startGitHubStandIn();
gh.state.tokens.add(GH_TOKEN);
matchOperation('GET', '/'); // load GitHub's OpenAPI description before the clock starts
const prefix = `kw-chaos-${randomUUID().slice(0, 8)}`;

const logs: string[] = [];
const workers: ChildProcess[] = [];
function startWorker(name: string): ChildProcess {
  const child = fork(workerEntry, [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: {
      ...process.env,
      CHAOS_WORKER: JSON.stringify({
        redisUrl: redis.url, prefix, keyServiceUrl: proxy.url, ...ks.bot, githubUrl: gh.url, githubToken: GH_TOKEN, concurrency: 4,
      }),
    },
  });
  child.stdout!.on('data', (d: Buffer) => logs.push(d.toString('utf8')));
  child.stderr!.on('data', (d: Buffer) => logs.push(d.toString('utf8')));
  workers.push(child);
  say(`worker ${name} started (pid ${child.pid})`);
  return child;
}

const queue = new Queue<RotateJobData>(ROTATE_QUEUE, { connection: new Redis(redis.url, { maxRetriesPerRequest: null }), prefix });
queue.on('error', () => undefined);
const notifyQueue = new Queue(NOTIFY_QUEUE, { connection: new Redis(redis.url, { maxRetriesPerRequest: null }), prefix });
notifyQueue.on('error', () => undefined);

say(`issuing ${LEAKS} live secret keys in the key service`);
const secrets: string[] = [];
for (let i = 0; i < LEAKS; i++) secrets.push((await ks.issueKey('live')).secretKey);
const jobs = secrets.map((s, i) => rotateJobFor(s, { path: `services/svc${i}/config.env`, line: i + 1 }));
const hookSecrets: string[] = [];
for (let i = 0; i < WEBHOOK_LEAKS; i++) hookSecrets.push((await ks.issueKey('live')).secretKey);
const burst = new WebhookBurst({ redis, prefix, gh, secrets: hookSecrets, logs, say });
await burst.start();
/** Every leak's secret hash: the queued ones and the ones the webhooks bring. */
const leakHashes = [...jobs.map((j) => j.secretHash), ...hookSecrets.map(sha256)];

const workerA = startWorker('A');
startWorker('B');
proxy.randomly(KEYSERVICE_FAULT_SHARE, ['500-before', '500-after', 'hang-after', 'hang-before'], ['/v1/leaks', '/v1/keys/verify']);
gh.setFaults({ share: GITHUB_FAULT_SHARE, kinds: ['502', 'secondary-403', 'secondary-429'], retryAfterSeconds: 0 });

say(`enqueueing ${LEAKS} rotate jobs`);
await queue.addBulk(jobs.map((data) => ({ name: data.rotator, data, opts: { ...ROTATE_JOB_OPTIONS, jobId: `rotate-${data.idempotencyKey}` } })));
say(`sending ${WEBHOOK_LEAKS} push webhooks, each adding one leak`);
let burstFinished = false;
const burstEvents = burst.burst().then((e) => {
  burstFinished = true;
  return e;
});

type Counts = Record<'completed' | 'failed' | 'active' | 'waiting' | 'delayed' | 'prioritized', number>;
async function counts(): Promise<(Counts & { notify: Counts }) | null> {
  try {
    const states = ['completed', 'failed', 'active', 'waiting', 'delayed', 'prioritized'] as const;
    const [r, n] = await Promise.all([queue.getJobCounts(...states), notifyQueue.getJobCounts(...states)]);
    return { ...(r as Counts), notify: n as Counts };
  } catch {
    return null;
  }
}

const events: string[] = [];
let killedWorker = false;
let restartedRedis = false;
let startedC = false;
let last = '';
while (Date.now() - t0 < TIMEOUT_MS) {
  const c = await counts();
  if (c) {
    const line = `rotate: completed=${c.completed} failed=${c.failed} active=${c.active} waiting=${c.waiting} delayed=${c.delayed} | notify: completed=${c.notify.completed} failed=${c.notify.failed} active=${c.notify.active} waiting=${c.notify.waiting} delayed=${c.notify.delayed}`;
    if (line !== last) say(line);
    last = line;
    if (!killedWorker && c.completed >= LEAKS * 0.2 && c.active > 0) {
      killedWorker = true;
      workerA.kill('SIGKILL');
      events.push(`SIGKILL worker A with ${c.active} jobs active across workers (after ${c.completed} completed)`);
      say(events.at(-1)!);
    } else if (killedWorker && burstFinished && !restartedRedis && c.completed >= LEAKS * 0.45) {
      restartedRedis = true;
      await redis.restart(1_500);
      events.push(`kill -9 redis-server and restart it (after ${c.completed} completed)`);
      say(events.at(-1)!);
    } else if (restartedRedis && !startedC && c.completed >= LEAKS * 0.6) {
      startedC = true;
      startWorker('C');
      events.push(`worker C started (after ${c.completed} completed)`);
    }
    if (c.completed + c.failed >= ALL_LEAKS && c.active === 0 && c.notify.completed + c.notify.failed >= c.completed && c.notify.active === 0 && burstFinished && (await burst.done())) break;
  }
  await sleep(250);
}
proxy.randomly(0, []);
gh.setFaults(null);
const final = await counts();
const durationS = (Date.now() - t0) / 1000;
events.push(...(await burstEvents));
const hooks = await burst.figures();
// Why jobs failed for good, when some did (the first few of each queue).
const failedReasons = [
  ...(await queue.getFailed(0, 4).catch(() => [])).map((j) => `rotate ${j.id}: ${j.failedReason} (attempts ${j.attemptsMade})`),
  ...(await notifyQueue.getFailed(0, 4).catch(() => [])).map((j) => `notify ${j.id}: ${j.failedReason} (attempts ${j.attemptsMade})`),
  ...hooks.failedScans,
];

// The checks.
const checks: Array<[string, boolean, string]> = [];
const rolls = await Promise.all(leakHashes.map((h) => ks.rollsOf(h)));
const rolledOnce = rolls.filter((n) => n === 1).length;
const totalRolls = await ks.totalRolls();
checks.push(['every key rolled exactly once (key service DB)', rolledOnce === ALL_LEAKS && totalRolls === ALL_LEAKS, `${rolledOnce}/${ALL_LEAKS} rolled once; total rolls ${totalRolls}; max per key ${Math.max(...rolls)}`]);
const issueCounts = leakHashes.map((h) => gh.state.issues.filter((i) => i.body.includes(`keywarden:secret-hash=${h}`)).length);
checks.push(['exactly one issue per leak', issueCounts.every((n) => n === 1) && gh.state.issues.length === ALL_LEAKS, `${issueCounts.filter((n) => n === 1).length}/${ALL_LEAKS} with one issue; ${gh.state.issues.length} issues in all`]);
checks.push(['zero lost jobs', final?.completed === ALL_LEAKS && final.failed === 0 && final.notify.completed === ALL_LEAKS && final.notify.failed === 0, `rotate completed=${final?.completed} failed=${final?.failed}; notify completed=${final?.notify.completed} failed=${final?.notify.failed}`]);
checks.push(['zero lost webhooks (Redis outage mid-burst, redelivered)', hooks.lost === 0 && hooks.answered503 > 0 && hooks.redeliveriesRequested >= 1, `${hooks.sent} sent, ${hooks.answered503} answered 503, ${hooks.redeliveriesRequested} redeliveries requested, ${hooks.lost} with no 2xx attempt`]);
checks.push(['each push scanned exactly once', hooks.scanJobs.total === WEBHOOK_LEAKS && hooks.scanJobs.completed === WEBHOOK_LEAKS && hooks.headsWithoutOneRun === 0, `scan jobs completed=${hooks.scanJobs.completed} failed=${hooks.scanJobs.failed} in all=${hooks.scanJobs.total}; ${hooks.headsWithoutOneRun} heads without exactly one check run`]);
checks.push(['no OpenAPI violations', gh.violations.length === 0, `${gh.violations.length} violations${gh.violations[0] ? `: ${gh.violations[0]}` : ''}`]);

// Secrets: worker logs, every Redis value, every request to the key service and GitHub.
const allLogs = logs.join('');
const allSecrets = [...secrets, ...hookSecrets];
const leakedInLogs = allSecrets.filter((s) => allLogs.includes(s)).length;
const scanRedis = new Redis(redis.url);
let redisText = '';
let keysScanned = 0;
for (let cursor = '0'; ; ) {
  const [next, keys] = await scanRedis.scan(cursor, 'COUNT', 500);
  for (const k of keys) {
    keysScanned++;
    const type = await scanRedis.type(k);
    const dump = await scanRedis.dumpBuffer(k);
    redisText += `${k}\n${dump?.toString('latin1') ?? ''}\n`;
    if (type === 'string') redisText += (await scanRedis.get(k)) ?? '';
    else if (type === 'hash') redisText += JSON.stringify(await scanRedis.hgetall(k));
    else if (type === 'list') redisText += JSON.stringify(await scanRedis.lrange(k, 0, -1));
    else if (type === 'set') redisText += JSON.stringify(await scanRedis.smembers(k));
    else if (type === 'zset') redisText += JSON.stringify(await scanRedis.zrange(k, 0, -1));
    else if (type === 'stream') redisText += JSON.stringify(await scanRedis.xrange(k, '-', '+'));
  }
  cursor = next;
  if (cursor === '0') break;
}
await scanRedis.quit();
const leakedInRedis = allSecrets.filter((s) => redisText.includes(s)).length;
const requestText = proxy.records.map((r) => r.body + JSON.stringify(r.headers)).join('\n') + gh.requests.map((r) => r.url + r.body + JSON.stringify(r.headers)).join('\n');
const leakedInRequests = allSecrets.filter((s) => requestText.includes(s)).length;
checks.push(['no raw secret in worker logs', leakedInLogs === 0 && allLogs.length > 0, `${leakedInLogs} secrets found in ${allLogs.split('\n').length} log lines`]);
checks.push(['no raw secret in Redis (SCAN + typed reads + DUMP)', leakedInRedis === 0 && keysScanned > 0, `${leakedInRedis} secrets found in ${keysScanned} keys`]);
checks.push(['no raw secret in any request', leakedInRequests === 0, `${leakedInRequests} secrets found in ${proxy.records.length + gh.requests.length} requests`]);

const faultsBy = (list: string[]) => Object.entries(list.reduce<Record<string, number>>((m, k) => ((m[k] = (m[k] ?? 0) + 1), m), {})).map(([k, n]) => `${k}=${n}`).join(' ');
console.log('\nkeywarden chaos run');
console.log(`leaks: ${ALL_LEAKS} (${LEAKS} queued, ${WEBHOOK_LEAKS} by push webhook)   duration: ${durationS.toFixed(1)} s   workers: 2 (+1 after the kill), concurrency 4`);
for (const e of events) console.log(`event: ${e}`);
console.log(`key service faults injected: ${faultsBy(proxy.records.filter((r) => r.fault !== 'pass').map((r) => r.fault))} (of ${proxy.records.length} calls)`);
console.log(`GitHub faults injected: ${faultsBy(gh.requests.filter((r) => r.status === 502 || r.status === 403 || r.status === 429).map((r) => String(r.status)))} (of ${gh.requests.length} calls)`);
console.log(`webhooks: ${hooks.sent} sent, ${hooks.answered503} answered 503 while Redis was down, ${hooks.redeliveriesRequested} redeliveries requested by the sweeper`);
const duplicateIssues = issueCounts.reduce((n, k) => n + Math.max(0, k - 1), 0);
const lost = (ALL_LEAKS - (final?.completed ?? 0)) + hooks.lost + rolls.filter((n) => n === 0).length;
console.log(`lost: ${lost}   double rolls: ${rolls.filter((n) => n > 1).length}   duplicate issues: ${duplicateIssues}`);
for (const r of failedReasons) console.log(`failed for good: ${r}`);
console.log('');
console.log('| check | result | detail |');
console.log('|---|---|---|');
for (const [name, ok, detail] of checks) console.log(`| ${name} | ${ok ? 'PASS' : 'FAIL'} | ${detail} |`);
if (!checks.every(([, ok]) => ok)) {
  // The processes' logs (already checked for raw secrets above) are what tells why.
  const { writeFileSync } = await import('node:fs');
  const file = `/tmp/keywarden-chaos-${prefix}.log`;
  writeFileSync(file, allLogs);
  console.log(`\nlogs of the worker and app processes: ${file}`);
}

for (const w of workers) if (w.exitCode === null) w.kill('SIGTERM');
await Promise.all(workers.map((w) => (w.exitCode === null && w.signalCode === null ? new Promise((r) => w.once('exit', r)) : null)));
await burst.close().catch(() => undefined);
await queue.close().catch(() => undefined);
await notifyQueue.close().catch(() => undefined);
await gh.close();
await proxy.close();
await ks.close();
await redis.stop();
process.exit(checks.every(([, ok]) => ok) ? 0 : 1);
