// While Redis is unreachable, `keywarden serve` must not hold a webhook in memory and answer
// 202 (GitHub would record a success and never redeliver): the producer fails fast and the
// webhook is answered 503, and /healthz answers 503. Redis "down" is a local port where
// nothing listens (the shared Redis is never stopped); then the same server is checked
// against a live Redis for the contrast.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:net';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../src/app/server.js';
import { deliverWebhook } from '../support/webhookDelivery.js';
import { pushExample } from '../support/webhookExamples.js';

const SECRET = 'webhook-secret-for-tests';
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

/** A local port with nothing listening on it. */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

let server: RunningServer;

beforeAll(async () => {
  server = await startServer({ appId: 1, privateKey, webhookSecret: SECRET, redis: `redis://127.0.0.1:${await deadPort()}`, prefix: `kw-redis-down-${randomUUID().slice(0, 8)}`, baseUrl: 'http://127.0.0.1:9', port: 0, log: pino({ level: 'silent' }) });
});

afterAll(async () => {
  await server?.close();
});

describe('serve while Redis is unreachable', () => {
  it('answers a webhook 503 (not 202 after holding it), so GitHub records a failed delivery', async () => {
    const p = pushExample();
    p.before = 'a'.repeat(40);
    p.after = 'b'.repeat(40);
    const res = await deliverWebhook(server.url, 'push', p, SECRET);
    expect(res.status).toBe(503);
    expect(await res.text()).toMatch(/scan queue is unavailable/);
  });

  it('/healthz answers 503', async () => {
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(503);
  });
});
