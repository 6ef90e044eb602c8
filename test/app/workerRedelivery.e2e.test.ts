// `keywarden worker` runs the redelivery sweeper: the built CLI as a user runs it, real Redis,
// and the OpenAPI-validated GitHub stand-in holding one failed delivery. The worker must list
// the deliveries with the App's JWT and ask for that one again; a lookback past what GitHub
// keeps is refused at start with a stable code.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { startGitHubStandIn, type GitHubStandIn } from '../support/githubStandIn.js';
import { ensureBuilt } from '../support/ensureBuilt.js';
import { pushExample } from '../support/webhookExamples.js';
import { BIN, runCli } from '../cli/runCli.js';

const PREFIX = `kw-worker-redelivery-${randomUUID().slice(0, 8)}`;
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

let gh: GitHubStandIn;
let child: ChildProcess | undefined;
let output = '';

function workerEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, APP_ID: '1', PRIVATE_KEY: privateKey, REDIS_URL: 'redis://127.0.0.1:6379', BULLMQ_PREFIX: PREFIX, GITHUB_API_URL: gh.url, LOG_LEVEL: 'info', ...extra };
  for (const k of ['KEYSERVICE_URL', 'KEYSERVICE_PUBLIC_KEY', 'KEYSERVICE_SECRET_KEY', 'WEBHOOK_SECRET', 'METRICS_PORT']) delete env[k];
  return env;
}

beforeAll(async () => {
  ensureBuilt();
  gh = await startGitHubStandIn();
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    const done = new Promise((r) => child!.once('exit', r));
    child.kill('SIGTERM');
    await done;
  }
  const redis = new Redis({ host: '127.0.0.1', port: 6379 });
  const keys = await redis.keys(`${PREFIX}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
  await gh.close();
});

describe('keywarden worker and failed webhook deliveries', () => {
  it('lists the deliveries as the App and asks GitHub to redeliver the failed one', async () => {
    // The App's server was unreachable: GitHub recorded no answer (status_code 0).
    const failed = await gh.deliverWebhook({ url: 'http://127.0.0.1:9', secret: 's' }, 'push', pushExample());
    expect(failed.statusCode).toBe(0);
    child = spawn(process.execPath, [BIN, 'worker', '--queues', 'scan'], { env: workerEnv({ REDELIVERY_INTERVAL_S: '1' }), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (output += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (output += d));
    const asked = () => gh.requests.filter((r) => r.operationId === 'apps/redeliver-webhook-delivery');
    for (let i = 0; i < 300 && asked().length === 0 && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 100));
    expect(child.exitCode, `the worker exited: ${output}`).toBeNull();
    expect(asked().map((r) => r.url)).toEqual([`/app/hook/deliveries/${failed.id}/attempts`]);
    const list = gh.requests.find((r) => r.operationId === 'apps/list-webhook-deliveries')!;
    expect(list.url).toMatch(/per_page=100/);
    expect(String(list.headers.authorization)).toMatch(/^bearer [\w-]+\.[\w-]+\.[\w-]+$/i);
    expect(output).toMatch(/asked GitHub to redeliver a failed webhook/);
    expect(output).toContain(failed.guid);
    expect(gh.violations).toEqual([]);
  });

  it('refuses a lookback longer than GitHub keeps deliveries, with a stable code', async () => {
    const r = await runCli(['worker'], { cwd: process.cwd(), env: workerEnv({ REDELIVERY_LOOKBACK_H: '100' }) as Record<string, string> });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/APP_CONFIG_INVALID|REDELIVERY_LOOKBACK_H/);
    expect(r.stderr).toMatch(/3 days/);
  });
});
