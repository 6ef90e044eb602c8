import { describe, expect, it } from 'vitest';
import { formatToken } from '../../src/keyformat/keyFormat.js';
import { startKeyService } from '../../src/keyservice/server.js';
import { backends, clientFor, harnessFor, pairOf } from './helpers.js';

describe.each(backends('auth'))('authentication ($name)', (backend) => {
  const h = harnessFor(backend);

  it('accepts a valid pair', async () => {
    const { creds } = await h.org();
    const res = await h.call('GET', '/v1/keys', { creds });
    expect(res.status).toBe(200);
    expect(res.body.data).toHaveLength(1);
  });

  it('refuses missing headers with 401 MISSING_CREDENTIALS', async () => {
    const { creds } = await h.org();
    for (const headers of <Record<string, string>[]>[{}, { 'public-api-key': creds.publicKey }, { 'private-secret-key': creds.secretKey }]) {
      const res = await h.call('GET', '/v1/keys', { headers });
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ code: 'MISSING_CREDENTIALS', message: expect.any(String) });
    }
  });

  it('refuses unknown, malformed and wrong secrets with 401 INVALID_CREDENTIALS', async () => {
    const { creds } = await h.org();
    const cases = [
      { publicKey: formatToken('public', 'live'), secretKey: creds.secretKey },
      { publicKey: creds.publicKey, secretKey: formatToken('secret', 'live') },
      { publicKey: creds.publicKey, secretKey: 'not-a-key' },
      { publicKey: creds.publicKey, secretKey: creds.secretKey.slice(0, -1) + (creds.secretKey.endsWith('A') ? 'B' : 'A') },
      { publicKey: creds.secretKey, secretKey: creds.publicKey },
    ];
    for (const bad of cases) {
      const res = await h.call('GET', '/v1/keys', { creds: bad });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('INVALID_CREDENTIALS');
      expect(JSON.stringify(res.body)).not.toContain(creds.secretKey);
    }
  });

  it("refuses a secret that belongs to another key, or to the other mode, like any wrong secret (no oracle)", async () => {
    const a = await h.org();
    const b = await h.org();
    const res = await h.call('GET', '/v1/keys', { creds: { publicKey: a.creds.publicKey, secretKey: b.creds.secretKey } });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('INVALID_CREDENTIALS');
    const t = await h.org('test');
    const mixed = await h.call('GET', '/v1/keys', { creds: { publicKey: a.creds.publicKey, secretKey: t.creds.secretKey } });
    expect(mixed.body).toEqual(res.body);
  });

  it('refuses an expired key with 401 KEY_EXPIRED, exactly at its expiry', async () => {
    const { creds } = await h.org();
    const expiresAt = new Date(h.clock.t + 3_600_000).toISOString();
    const created = await h.call('POST', '/v1/keys', { creds, body: { level: 'organization', mode: 'live', expiresAt } });
    expect(created.status).toBe(201);
    expect(created.body.expiresAt).toBe(expiresAt);
    const pair = pairOf(created.body);
    h.clock.advance(3_600_000 - 1);
    expect((await h.call('GET', '/v1/keys', { creds: pair })).status).toBe(200);
    h.clock.advance(1);
    const res = await h.call('GET', '/v1/keys', { creds: pair });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('KEY_EXPIRED');
    const meta = await h.call('GET', `/v1/keys/${created.body.id}`, { creds });
    expect(meta.body.status).toBe('expired');
  });

  it('refuses an expiry in the past with 400 VALIDATION_FAILED', async () => {
    const { creds } = await h.org();
    const res = await h.call('POST', '/v1/keys', { creds, body: { level: 'organization', mode: 'live', expiresAt: new Date(h.clock.t - 1000).toISOString() } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
  });

  it('refuses a deleted key with 401 KEY_REVOKED at once', async () => {
    const { creds } = await h.org();
    const created = await h.call('POST', '/v1/keys', { creds, body: { level: 'organization', mode: 'live' } });
    const pair = pairOf(created.body);
    expect((await h.call('GET', '/v1/keys', { creds: pair })).status).toBe(200);
    const del = await h.call('DELETE', `/v1/keys/${created.body.id}`, { creds });
    expect(del.status).toBe(200);
    expect(del.body.status).toBe('revoked');
    const res = await h.call('GET', '/v1/keys', { creds: pair });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('KEY_REVOKED');
    const again = await h.call('DELETE', `/v1/keys/${created.body.id}`, { creds });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('KEY_REVOKED');
  });

  it('answers unknown routes and bad JSON with the same {code, message} shape', async () => {
    const { creds } = await h.org();
    const missing = await h.call('GET', '/v2/nothing');
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual({ code: 'NOT_FOUND', message: expect.any(String) });
    const bad = await h.call('POST', '/v1/keys', { creds, rawBody: '{"level":' });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual({ code: 'VALIDATION_FAILED', message: expect.any(String) });
    const invalid = await h.call('POST', '/v1/keys', { creds, body: { level: 'planet', mode: 'live' } });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toEqual({ code: 'VALIDATION_FAILED', message: expect.any(String) });
    const extra = await h.call('POST', '/v1/keys', { creds, body: { level: 'organization', mode: 'live', admin: true } });
    expect(extra.body.code).toBe('VALIDATION_FAILED');
  });
});

describe.each(backends('ratelimit'))('rate limiting of failed authentication ($name)', (backend) => {
  const h = harnessFor(backend, { rateLimit: { maxFailures: 5, windowMs: 60_000 } });

  it('answers 429 RATE_LIMITED with retry-after to failures only, never to a correct pair, and recovers after the window', async () => {
    const victim = await h.org();
    const proven = await h.org();
    expect((await h.call('GET', '/v1/keys', { creds: proven.creds })).status).toBe(200);
    const wrong = { publicKey: victim.creds.publicKey, secretKey: formatToken('secret', 'live') };
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await h.call('GET', '/v1/keys', { creds: wrong })).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    const limited = await h.call('GET', '/v1/keys', { creds: wrong });
    expect(limited.body.code).toBe('RATE_LIMITED');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // The right secret is never refused, from this IP or for this public key.
    expect((await h.call('GET', '/v1/keys', { creds: victim.creds })).status).toBe(200);
    expect((await h.call('GET', '/v1/keys', { creds: proven.creds })).status).toBe(200);
    h.clock.advance(60_001);
    expect((await h.call('GET', '/v1/keys', { creds: wrong })).status).toBe(401);
  });

  it('behind a trusted proxy, limits per forwarded client IP', async () => {
    const service = await startKeyService({ store: h.store, now: h.clock.now, trustProxy: true, rateLimit: { maxFailures: 2 } });
    try {
      const call = clientFor(service.url);
      const a = await h.org();
      const b = await h.org();
      const guess = { publicKey: formatToken('public', 'live'), secretKey: formatToken('secret', 'live') };
      const from = (ip: string) => ({ 'x-forwarded-for': ip });
      const attacker = [];
      for (let i = 0; i < 3; i++) attacker.push((await call('GET', '/v1/keys', { creds: guess, headers: from('203.0.113.9') })).status);
      expect(attacker).toEqual([401, 401, 429]);
      expect((await call('GET', '/v1/keys', { creds: guess, headers: from('198.51.100.7') })).status).toBe(401);
      // A correct pair gets through even from the limited IP.
      expect((await call('GET', '/v1/keys', { creds: a.creds, headers: from('203.0.113.9') })).status).toBe(200);
      expect((await call('GET', '/v1/keys', { creds: b.creds, headers: from('198.51.100.7') })).status).toBe(200);
    } finally {
      await service.close();
    }
  });
});
