// The queue dashboard: mounted only with credentials, refuses without them, serves with them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { basicAuthAllows, mountDashboard } from '../../src/queue/dashboard.js';

const prefix = `kw-test-dash-${randomUUID().slice(0, 8)}`;
const connection = { host: '127.0.0.1', port: 6379 };
let queues: Queue[];
let app: FastifyInstance;

beforeAll(async () => {
  queues = [new Queue('scan', { connection, prefix }), new Queue('rotate', { connection, prefix })];
  app = Fastify();
  expect(await mountDashboard(app, { queues, user: 'ops', password: 's3cret-pass' })).toBe(true);
  await app.ready();
});
afterAll(async () => {
  await app.close();
  for (const q of queues) {
    await q.obliterate({ force: true }).catch(() => undefined);
    await q.close();
  }
});

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

describe('queue dashboard', () => {
  it('asks for credentials, and rejects wrong ones', async () => {
    const none = await app.inject({ url: '/admin/queues' });
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Basic /);
    expect(none.json()).toMatchObject({ code: 'DASHBOARD_AUTH_REQUIRED' });
    expect((await app.inject({ url: '/admin/queues/api/queues', headers: { authorization: basic('ops', 'wrong') } })).statusCode).toBe(401);
    expect((await app.inject({ url: '/admin/queues/api/queues', headers: { authorization: basic('other', 's3cret-pass') } })).statusCode).toBe(401);
  });

  it('shows the scan, rotate and rotate-notify queues to the right user', async () => {
    const page = await app.inject({ url: '/admin/queues', headers: { authorization: basic('ops', 's3cret-pass') } });
    expect(page.statusCode).toBe(200);
    const api = await app.inject({ url: '/admin/queues/api/queues', headers: { authorization: basic('ops', 's3cret-pass') } });
    expect(api.statusCode).toBe(200);
    const names = (api.json() as { queues: Array<{ name: string }> }).queues.map((q) => q.name).sort();
    expect(names).toEqual(['rotate', 'rotate-notify', 'scan']);
  });

  it('is not mounted without credentials', async () => {
    const bare = Fastify();
    const saved = { u: process.env.DASHBOARD_USER, p: process.env.DASHBOARD_PASSWORD };
    delete process.env.DASHBOARD_USER;
    delete process.env.DASHBOARD_PASSWORD;
    expect(await mountDashboard(bare, { queues })).toBe(false);
    if (saved.u !== undefined) process.env.DASHBOARD_USER = saved.u;
    if (saved.p !== undefined) process.env.DASHBOARD_PASSWORD = saved.p;
    await bare.ready();
    expect((await bare.inject({ url: '/admin/queues' })).statusCode).toBe(404);
    await bare.close();
  });

  it('parses basic auth strictly', () => {
    expect(basicAuthAllows(basic('ops', 'pw:with:colons'), 'ops', 'pw:with:colons')).toBe(true);
    expect(basicAuthAllows('Bearer abc', 'ops', 'pw')).toBe(false);
    expect(basicAuthAllows(undefined, 'ops', 'pw')).toBe(false);
    expect(basicAuthAllows(`Basic ${Buffer.from('nocolon').toString('base64')}`, 'ops', 'pw')).toBe(false);
  });
});
