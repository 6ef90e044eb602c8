// OPS_PORT: /metrics and /admin/queues on a port of their own, and then NOT on the webhook
// port that GitHub (and so the internet) reaches; without it, both stay on the webhook port.
// Also `keywarden healthcheck` against serve's /healthz. Real HTTP, real Redis, the built CLI.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startServer, type RunningServer, type ServerOptions } from '../../src/app/server.js';
import { opsAddress } from '../../src/app/opsServer.js';
import { mountDashboard } from '../../src/queue/dashboard.js';
import { deliverWebhook } from '../support/webhookDelivery.js';
import { pushExample } from '../support/webhookExamples.js';
import { runCli } from '../cli/runCli.js';
import { deleteKeysUnder } from '../support/redisKeys.js';

const PREFIX = `kw-ops-${randomUUID().slice(0, 8)}`;
const SECRET = 'ops-port-secret';
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const basic = `Basic ${Buffer.from('ops:dash-pass').toString('base64')}`;
const scratch = mkdtempSync(join(tmpdir(), 'kw-ops-'));
const servers: RunningServer[] = [];

function serve(extra: Partial<ServerOptions> = {}): Promise<RunningServer> {
  return startServer({
    appId: 1, privateKey, webhookSecret: SECRET, redis: 'redis://127.0.0.1:6379', prefix: PREFIX, baseUrl: 'http://127.0.0.1:9', port: 0, log: pino({ level: 'silent' }),
    extraRoutes: (app, { queues }) => mountDashboard(app, { queues: [queues.scan, queues.rotate], user: 'ops', password: 'dash-pass' }).then(() => undefined),
    ...extra,
  }).then((s) => (servers.push(s), s));
}

let split: RunningServer;
let single: RunningServer;
beforeAll(async () => {
  split = await serve({ ops: { host: '127.0.0.1', port: 0 } });
  single = await serve();
});

afterAll(async () => {
  for (const s of servers) await s.close();
  await deleteKeysUnder(PREFIX);
  rmSync(scratch, { recursive: true, force: true });
});

describe('the ops port', () => {
  it('serves /metrics and /admin/queues there, and not on the webhook port', async () => {
    expect(split.opsUrl).toBeDefined();
    expect(split.opsUrl).not.toBe(split.url);
    const metrics = await fetch(`${split.opsUrl}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('keywarden_webhooks_total');
    expect((await fetch(`${split.opsUrl}/admin/queues`, { headers: { authorization: basic } })).status).toBe(200);
    expect((await fetch(`${split.opsUrl}/admin/queues`)).status).toBe(401);

    expect((await fetch(`${split.url}/metrics`)).status).toBe(404);
    expect((await fetch(`${split.url}/admin/queues`, { headers: { authorization: basic } })).status).toBe(404);
    // The webhook port still takes webhooks and answers /healthz; the ops port takes no webhooks.
    expect((await fetch(`${split.url}/healthz`)).status).toBe(200);
    expect((await deliverWebhook(split.url, 'push', pushExample(), SECRET)).status).toBe(200);
    expect((await deliverWebhook(split.opsUrl!, 'push', pushExample(), SECRET)).status).toBe(404);
  });

  it('without an ops port, keeps both on the webhook port', async () => {
    expect(single.opsUrl).toBeUndefined();
    expect((await fetch(`${single.url}/metrics`)).status).toBe(200);
    expect((await fetch(`${single.url}/admin/queues`, { headers: { authorization: basic } })).status).toBe(200);
  });

  it('reads OPS_PORT (or METRICS_PORT, its older name) and OPS_HOST, and refuses a bad port', () => {
    expect(opsAddress({})).toBeUndefined();
    expect(opsAddress({ OPS_PORT: '9464', HOST: '0.0.0.0' })).toEqual({ host: '0.0.0.0', port: 9464 });
    expect(opsAddress({ OPS_PORT: '9464', HOST: '0.0.0.0', OPS_HOST: '10.0.0.5' })).toEqual({ host: '10.0.0.5', port: 9464 });
    expect(opsAddress({ METRICS_PORT: '9100' })).toEqual({ host: '127.0.0.1', port: 9100 });
    expect(() => opsAddress({ OPS_PORT: 'metrics' })).toThrow(expect.objectContaining({ code: 'APP_CONFIG_INVALID' }));
  });
});

describe('keywarden healthcheck', () => {
  const noHeartbeat = () => join(scratch, `none-${randomUUID()}.json`);

  it("is healthy when serve's /healthz answers 200, on PORT", async () => {
    const port = new URL(split.url).port;
    const r = await runCli(['healthcheck'], { cwd: scratch, env: { PORT: port, HOST: '0.0.0.0', KEYWARDEN_HEARTBEAT_FILE: noHeartbeat(), HEALTHCHECK_URL: undefined } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^healthy: http:\/\/127\.0\.0\.1:\d+\/healthz answered 200/);
  });

  it('is unhealthy when serve cannot reach Redis (its /healthz answers 503)', async () => {
    const down = await serve({ redis: 'redis://127.0.0.1:1', prefix: `${PREFIX}-down` });
    const r = await runCli(['healthcheck'], { cwd: scratch, env: { HEALTHCHECK_URL: `${down.url}/healthz`, KEYWARDEN_HEARTBEAT_FILE: noHeartbeat() } });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^unhealthy: .* answered 503.*redis unavailable/);
  }, 30_000);

  it('is run by the Docker image', () => {
    const dockerfile = readFileSync(new URL('../../Dockerfile', import.meta.url), 'utf8');
    expect(dockerfile).toMatch(/^HEALTHCHECK (--[a-z-]+=\S+ )*CMD \["keywarden", "healthcheck"\]$/m);
    // After the runtime stage's USER line, so it runs as the app's user.
    expect(dockerfile.lastIndexOf('HEALTHCHECK')).toBeGreaterThan(dockerfile.lastIndexOf('USER node'));
  });
});
