// Attacks with hostile input (issue 12 defects 6, 7 and 11): a NUL character must be a 400
// the bot does not retry, every answer, even fastify's own, is `{code, message}`, and an
// invented product name is refused.
import { describe, expect, it } from 'vitest';
import { grantKey } from '../../../src/keyservice/bootstrap.js';
import { backends, harnessFor } from '../helpers.js';
import { expectErrorShape, mintAccount, mintKey, rawRequest } from './support.js';

const NUL = '\u0000';

describe.each(backends('atk_input'))('attacks: hostile input ($name)', (backend) => {
  const h = harnessFor(backend);

  it('defect 6: a NUL in any string that reaches the database is 400 VALIDATION_FAILED, never 500', async () => {
    const org = await h.org();
    const acct = await mintAccount(h, org.creds);
    const key = await mintKey(h, org.creds, { level: 'organization' });
    const creds = org.creds;
    const leak = { tokenHash: 'a'.repeat(64), sourceUrl: 'https://example.com/x', description: 'd' };
    const cases: [string, string, unknown?][] = [
      ['POST', '/v1/accounts', { name: `shop${NUL}` }],
      ['POST', '/v1/keys', { level: 'organization', mode: 'live', name: `ci${NUL}` }],
      ['POST', '/v1/keys', { level: 'organization', mode: 'live', member: `a${NUL}@example.com` }],
      ['POST', '/v1/keys', { level: 'account', mode: 'live', accountId: `${acct}${NUL}` }],
      ['POST', '/v1/keys', { level: 'organization', mode: 'live', accounts: [acct, `x${NUL}`] }],
      ['POST', '/v1/leaks', { ...leak, sourceUrl: `https://example.com/${NUL}` }],
      ['POST', '/v1/leaks', { ...leak, description: `pushed${NUL}` }],
      ['POST', '/v1/keys/verify', { token: `kwsk_live_${NUL}` }],
      ['GET', `/v1/keys/${key.id}%00`],
      ['POST', '/v1/keys/%00/roll'],
      ['DELETE', `/v1/keys/key_%00`],
      ['POST', '/v1/webhooks', { url: `https://example.com/hook${NUL}`, events: ['incident.created'] }],
      ['DELETE', '/v1/webhooks/wh_%00'],
    ];
    for (const [method, path, body] of cases) {
      const res = await h.call(method, path, { creds, body });
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.message).toMatch(/NUL/);
    }
    expect((await h.call('GET', '/v1/accounts', { creds })).body.data).toHaveLength(1);
    expect(await (await h.call('GET', `/v1/keys/${key.id}`, { creds })).body.status).toBe('active');
  });

  it('defect 7: framework errors (bad URL, long param, bad JSON, no route, media type, size, bad HTTP) are {code, message}', async () => {
    const org = await h.org();
    const creds = org.creds;
    const answers = [
      [await h.call('GET', '/v1/keys/%E0%A4%A', { creds }), 400],
      [await h.call('GET', `/v1/keys/${'k'.repeat(101)}`, { creds }), 414],
      [await h.call('POST', '/v1/keys', { creds, rawBody: '{"level":' }), 400],
      [await h.call('GET', '/v1/nothing', { creds }), 404],
      [await h.call('POST', '/v1/keys', { creds, rawBody: 'level=organization', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415],
      [await h.call('POST', '/v1/keys', { creds, rawBody: JSON.stringify({ name: 'x'.repeat(1_100_000) }) }), 413],
    ] as const;
    for (const [res, status] of answers) {
      expect(res.status).toBe(status);
      expectErrorShape(res.body, status);
    }
    const broken = await rawRequest(h.service.url, 'GET /v1/keys HTTP/1.1\r\nHost: x\r\nthis is not a header\r\n\r\n');
    expect(broken.status).toBe(400);
    expectErrorShape(JSON.parse(broken.body), 400);
  });

  it('defect 11: unknown product names are a 400 that lists the known products', async () => {
    const org = await h.org();
    const res = await h.call('POST', '/v1/keys', { creds: org.creds, body: { level: 'organization', mode: 'live', products: ['keys', 'nosuchproduct'] } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    for (const known of ['keys', 'accounts', 'leak-reports', 'payments']) expect(res.body.message).toContain(known);
    await expect(grantKey(h.store, { products: ['nosuchproduct'], organizationId: org.organization.id })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
