// `npm run bench rotation`: how fast a leak becomes a rolled key and an issue.
//
// 1. Latency. LEAKS commits (default 100), each adding a file with a fresh live secret key,
//    delivered as signed push webhooks to `keywarden serve`: by default all in one push
//    (BENCH_MODE=burst, the worst case for queueing), or one push per leak every PACE_MS
//    (BENCH_MODE=paced). For each
//    leak: webhook POST → key rolled (the key service's rolled_at) and → issue created (first
//    seen in the GitHub stand-in, polled every 10 ms). p50 / p95 / max. Target: p95 < 3 s to rolled.
// 2. Throughput of the rotate stage alone: 100 queued rotate jobs drained by 1 and by 4 workers.
// 3. GitHub secret-scanning partner → rolled (policy `roll`): PARTNER_LEAKS (default 100) signed
//    POSTs, one at a time and then 10 in flight; p50 / p95 / max. Target: p95 ≤ 1 s. And one
//    1,000-match batch.
//
// Everything runs in this one process on this machine (the key service on PGlite, the
// OpenAPI-validating GitHub stand-in, the server, scan and rotate workers), against a private
// redis-server on a free port. The figures are therefore pessimistic for the services.
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { startServer } from '../src/app/server.js';
import { startRotateWorker } from '../src/rotation/rotateWorker.js';
import { gitHubApp } from '../src/github/client.js';
import { RotatorRegistry, sha256Hex } from '../src/rotation/rotator.js';
import { KeyServiceRotator } from '../src/rotation/keyServiceRotator.js';
import type { GitHubClient } from '../src/github/retry.js';
import { startGitHubStandIn } from '../test/support/githubStandIn.js';
import { matchOperation } from '../test/support/openapiContract.js';
import { pushExample } from '../test/support/webhookExamples.js';
import { startKeyServiceHarness } from '../test/rotation/keyServiceHarness.js';
import { PrivateRedis } from './rotation/privateRedis.js';
import { measureThroughput } from './rotation/throughput.js';
import { measurePartnerLatency } from './rotation/partnerLatency.js';

const LEAKS = Number(process.env.BENCH_LEAKS ?? 100);
const PACE_MS = Number(process.env.BENCH_PACE_MS ?? 250);
const MODE = process.env.BENCH_MODE === 'paced' ? 'paced' : 'burst';
const THROUGHPUT_JOBS = Number(process.env.BENCH_THROUGHPUT_JOBS ?? 100);
const PARTNER_LEAKS = Number(process.env.BENCH_PARTNER_LEAKS ?? 100);
const WEBHOOK_SECRET = 'bench-webhook-secret';
const APP_ID = 5151;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'bench@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'bench@example.com' } }).trim();
}

export async function run(): Promise<void> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const redis = new PrivateRedis();
  await redis.start();
  const ks = await startKeyServiceHarness({ realClock: true });
  const gh = await startGitHubStandIn();
  matchOperation('GET', '/');
  const log = process.env.BENCH_LOG ? pino({ level: 'info' }, pino.destination(process.env.BENCH_LOG)) : pino({ level: 'silent' });
  const prefix = `kw-bench-${randomUUID().slice(0, 8)}`;
  const dir = mkdtempSync(join(tmpdir(), 'kw-bench-rot-'));
  process.env.KEYWARDEN_ALLOW_FILE_CLONE = '1';

  // The compiled scan worker: its scan thread cannot load TypeScript under Node 20.
  const compiled = new URL('../dist/app/scanWorker.js', import.meta.url);
  const { startScanWorker } = (existsSync(fileURLToPath(compiled)) ? await import(compiled.href) : await import('../src/app/scanWorker.js')) as typeof import('../src/app/scanWorker.js');

  const server = await startServer({ appId: APP_ID, privateKey, webhookSecret: WEBHOOK_SECRET, redis: redis.url, prefix, baseUrl: gh.url, port: 0, log });
  const scan = startScanWorker({ redis: redis.url, prefix, appId: APP_ID, privateKey, baseUrl: gh.url, allowLocalClone: true, handleSignals: false, log, concurrency: Number(process.env.BENCH_SCAN_CONCURRENCY ?? 2) });
  const app = gitHubApp({ appId: APP_ID, privateKey, baseUrl: gh.url, log, retry: { retries: 0 } });
  const rotate = startRotateWorker({
    redis: redis.url, prefix, handleSignals: false, concurrency: 4, log,
    registry: new RotatorRegistry().register(new KeyServiceRotator({ baseUrl: ks.url, ...ks.bot })),
    github: async (id) => (await app.installation(id)) as unknown as GitHubClient,
    metrics: { rotation() {}, webhookToRolled() {} },
  });

  // One repository, one commit per leak, all pushed up front; each webhook announces one.
  const bare = join(dir, 'shop.git');
  const work = join(dir, 'work');
  git(dir, 'init', '-q', '--bare', '-b', 'main', bare);
  git(dir, 'clone', '-q', bare, work);
  writeFileSync(join(work, 'README.md'), '# shop\n');
  git(work, 'add', '.');
  git(work, 'commit', '-q', '-m', 'init');
  const commits: Array<{ before: string; after: string; hash: string }> = [];
  let before = git(work, 'rev-parse', 'HEAD');
  for (let i = 0; i < LEAKS; i++) {
    const key = await ks.issueKey('live');
    writeFileSync(join(work, `service${i}.env`), `KEYWARDEN_SECRET_KEY=${key.secretKey}\n`);
    git(work, 'add', '.');
    git(work, 'commit', '-q', '-m', `service ${i}`);
    const after = git(work, 'rev-parse', 'HEAD');
    commits.push({ before, after, hash: sha256Hex(key.secretKey) });
    before = after;
  }
  git(work, 'push', '-q', 'origin', 'main');

  const sentAt = new Map<string, number>();
  const issueSeenAt = new Map<string, number>();
  const poll = setInterval(() => {
    for (const issue of gh.state.issues) {
      const m = /keywarden:secret-hash=([0-9a-f]{64})/.exec(issue.body);
      if (m && !issueSeenAt.has(m[1])) issueSeenAt.set(m[1], Date.now());
    }
  }, 10);

  const started = Date.now();
  // burst: one push carrying every leak (one scan). paced: one push per leak, every PACE_MS.
  // Paced needs a scan worker that survives many scans in one process: today each scan loads
  // the re2 addon into a fresh worker thread, and the second load aborts the process.
  const batches = MODE === 'paced' ? commits.map((c) => [c]) : [commits];
  for (const batch of batches) {
    const c = { before: batch[0].before, after: batch.at(-1)!.after };
    const payload = pushExample();
    Object.assign(payload, { ref: 'refs/heads/main', before: c.before, after: c.after, deleted: false, installation: { id: 99, node_id: 'x' } });
    // Private: the bench measures rolls (a public repository's keys are revoked instead).
    Object.assign(payload.repository, { name: 'shop', clone_url: `file://${bare}`, default_branch: 'main', private: true });
    Object.assign(payload.repository.owner, { login: 'bench-org', name: 'bench-org' });
    const body = JSON.stringify(payload);
    for (const leak of batch) sentAt.set(leak.hash, Date.now());
    const res = await fetch(`${server.url}/api/github/webhooks`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-github-event': 'push', 'x-github-delivery': randomUUID(), 'x-hub-signature-256': `sha256=${createHmac('sha256', WEBHOOK_SECRET).update(body).digest('hex')}` },
      body,
    });
    await res.arrayBuffer();
    if (MODE === 'paced') await new Promise((r) => setTimeout(r, PACE_MS));
  }
  // Issues trail the rolls: the App's Octokit spaces content-creating requests (issues,
  // comments) 3 s apart per process, as GitHub asks of integrations.
  const deadline = Date.now() + 60_000 + LEAKS * 4_000;
  while (issueSeenAt.size < LEAKS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  clearInterval(poll);
  const wallS = (Date.now() - started) / 1000;

  const rolledRows = await ks.service.store.db.query<{ secret_sha256: string; rolled_at: Date | string }>(`SELECT secret_sha256, rolled_at FROM api_keys WHERE rolled_at IS NOT NULL`);
  const rolledAt = new Map(rolledRows.map((r) => [r.secret_sha256, new Date(r.rolled_at).getTime()]));
  const toRolled: number[] = [];
  const toIssue: number[] = [];
  for (const c of commits) {
    const t0 = sentAt.get(c.hash)!;
    const r = rolledAt.get(c.hash);
    const i = issueSeenAt.get(c.hash);
    if (r !== undefined) toRolled.push((r - t0) / 1000);
    if (i !== undefined) toIssue.push((i - t0) / 1000);
  }
  toRolled.sort((a, b) => a - b);
  toIssue.sort((a, b) => a - b);

  await rotate.close();
  await scan.close();
  await server.close();

  const fmt = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : 'n/a');
  const how = MODE === 'paced' ? `one push each, every ${PACE_MS} ms` : `all in ONE push of ${LEAKS} commits, so they queue behind each other`;
  console.log(`leaks: ${LEAKS} (${how}); rolled: ${toRolled.length}; issues: ${toIssue.length}; wall time ${wallS.toFixed(1)} s`);
  console.log('| webhook POST → | p50 (s) | p95 (s) | max (s) | target |');
  console.log('|---|---|---|---|---|');
  console.log(`| key rolled | ${fmt(percentile(toRolled, 50))} | ${fmt(percentile(toRolled, 95))} | ${fmt(toRolled.at(-1) ?? NaN)} | p95 < 3 s: ${percentile(toRolled, 95) < 3 ? 'met' : 'NOT met'} |`);
  console.log(`| issue created (${toIssue.length}/${LEAKS}) | ${fmt(percentile(toIssue, 50))} | ${fmt(percentile(toIssue, 95))} | ${fmt(toIssue.at(-1) ?? NaN)} | |`);

  const tp: Array<Awaited<ReturnType<typeof measureThroughput>>> = [];
  for (const workers of [1, 4]) {
    tp.push(await measureThroughput({ redisUrl: redis.url, ks, gh, ghToken: await installationToken(gh), workers, jobs: THROUGHPUT_JOBS }));
  }
  console.log('');
  console.log('| rotate workers | jobs | seconds | rotations/s | vs 1 worker |');
  console.log('|---|---|---|---|---|');
  for (const r of tp) console.log(`| ${r.workers} | ${r.jobs} | ${r.seconds.toFixed(2)} | ${r.perSecond.toFixed(1)} | ${(r.perSecond / tp[0].perSecond).toFixed(2)}x |`);

  // One POST in flight measures the path itself; ten measure a burst queueing on one PGlite.
  const partner = [await measurePartnerLatency({ leaks: PARTNER_LEAKS, concurrency: 1 }), await measurePartnerLatency({ leaks: PARTNER_LEAKS, concurrency: 10 })];
  console.log('');
  console.log(`GitHub partner POSTs: ${PARTNER_LEAKS} per row, one live key each, policy roll; rolled: ${partner.map((r) => r.rolled).join(' / ')}`);
  console.log('| partner POST → key rolled (200 answered) | p50 (s) | p95 (s) | max (s) | target p95 ≤ 1 s |');
  console.log('|---|---|---|---|---|');
  for (const r of partner) {
    const p95 = percentile(r.toRolled, 95);
    console.log(`| ${r.concurrency} in flight | ${fmt(percentile(r.toRolled, 50))} | ${fmt(p95)} | ${fmt(r.toRolled.at(-1) ?? NaN)} | ${p95 <= 1 ? 'met' : 'NOT met'} |`);
  }
  console.log(`one batch of 1,000 matches (10 ours): ${fmt(partner[0].batchOf1000Seconds)} s, ${fmt(partner[1].batchOf1000Seconds)} s`);

  await gh.close();
  await ks.close();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}

/** A token the stand-in accepts, for the throughput run's plain Octokit. */
async function installationToken(gh: Awaited<ReturnType<typeof startGitHubStandIn>>): Promise<string> {
  const token = `ghs_bench${randomUUID().replace(/-/g, '')}`;
  gh.state.tokens.add(token);
  return token;
}
