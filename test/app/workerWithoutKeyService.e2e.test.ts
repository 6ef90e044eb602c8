// `keywarden worker` with the README's "Run it" settings (no KEYSERVICE_*): it must scan and
// report, not exit. The built CLI as a user runs it, real Redis and BullMQ, a real git
// repository, and the OpenAPI-validated GitHub stand-in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { SCAN_QUEUE, ROTATE_QUEUE } from '../../src/queue/queues.js';
import { enqueueScan } from '../../src/app/enqueueScan.js';
import type { ScanJobData } from '../../src/app/scanJobData.js';
import { startGitHubStandIn, type GitHubStandIn } from '../support/githubStandIn.js';
import { ensureBuilt } from '../support/ensureBuilt.js';
import { TestRepo } from '../support/gitRepo.js';
import { BIN } from '../cli/runCli.js';
import { formatToken } from '../../src/keyformat/keyFormat.js';

const PREFIX = `kw-nokeyservice-${randomUUID().slice(0, 8)}`;
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

let gh: GitHubStandIn;
let child: ChildProcess;
let output = '';
let exited: number | null | undefined;
let queue: Queue<ScanJobData>;
const repo = new TestRepo();

beforeAll(async () => {
  ensureBuilt();
  gh = await startGitHubStandIn();
  queue = new Queue<ScanJobData>(SCAN_QUEUE, { connection: { host: '127.0.0.1', port: 6379 }, prefix: PREFIX });
  const env: NodeJS.ProcessEnv = { ...process.env, APP_ID: '1', PRIVATE_KEY: privateKey, REDIS_URL: 'redis://127.0.0.1:6379', BULLMQ_PREFIX: PREFIX, GITHUB_API_URL: gh.url, KEYWARDEN_ALLOW_FILE_CLONE: '1', LOG_LEVEL: 'info' };
  for (const k of ['KEYSERVICE_URL', 'KEYSERVICE_PUBLIC_KEY', 'KEYSERVICE_SECRET_KEY', 'WEBHOOK_SECRET', 'METRICS_PORT']) delete env[k];
  child = spawn(process.execPath, [BIN, 'worker'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.on('exit', (code) => (exited = code));
});

afterAll(async () => {
  if (exited === undefined) {
    const done = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await done;
  }
  await queue.close();
  const redis = new Redis({ host: '127.0.0.1', port: 6379 });
  const keys = await redis.keys(`${PREFIX}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
  await gh.close();
  repo.remove();
});

describe('keywarden worker without a key service', () => {
  it('scans and reports, says once that rotation is off, and queues no rotation', async () => {
    const base = repo.commit({ 'README.md': 'hello\n' }, 'base');
    const head = repo.commit({ 'config/prod.env': `KEYSERVICE_SECRET_KEY=${formatToken('secret', 'live')}\n` }, 'add config');
    const name = 'no-keyservice';
    await enqueueScan(queue, { receivedAt: Date.now(), installationId: 1, owner: 'Codertocat', repo: name, cloneUrl: repo.cloneUrl, defaultBranch: 'main', event: 'push', before: base, after: head, ref: 'refs/heads/main' });
    let run;
    for (let i = 0; i < 300 && run?.status !== 'completed' && exited === undefined; i++) {
      await new Promise((r) => setTimeout(r, 100));
      run = gh.state.checkRuns.find((c) => c.repo === name && c.head_sha === head);
    }
    expect(exited, `the worker exited: ${output}`).toBeUndefined();
    expect(run).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expect(run?.output?.summary).toMatch(/Rotation is not set up/);
    expect(output.match(/rotation is off/g)).toHaveLength(1);
    const rotate = new Queue(ROTATE_QUEUE, { connection: { host: '127.0.0.1', port: 6379 }, prefix: PREFIX });
    try {
      expect(await rotate.count()).toBe(0);
    } finally {
      await rotate.close();
    }
    expect(gh.violations).toEqual([]);
  });
});
