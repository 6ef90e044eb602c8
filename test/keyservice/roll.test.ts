import { describe, expect, it } from 'vitest';
import { parseToken } from '../../src/keyformat/keyFormat.js';
import { backends, harnessFor, pairOf, startHarness } from './helpers.js';

const HOUR = 3_600_000;

describe.each(backends('roll'))('roll, delete and key metadata ($name)', (backend) => {
  const h = harnessFor(backend);

  it('issues pairs in the checksummed format, showing the secret once and only a preview afterwards', async () => {
    const { creds } = await h.org();
    const res = await h.call('POST', '/v1/keys', { creds, body: { level: 'organization', mode: 'live', name: 'deploy' } });
    expect(res.status).toBe(201);
    expect(parseToken(res.body.publicKey)).toMatchObject({ visibility: 'public', mode: 'live' });
    expect(parseToken(res.body.secretKey)).toMatchObject({ visibility: 'secret', mode: 'live' });
    expect(res.body).toMatchObject({ level: 'organization', mode: 'live', name: 'deploy', status: 'active', customized: false, expiresAt: null });
    const got = await h.call('GET', `/v1/keys/${res.body.id}`, { creds });
    expect(got.status).toBe(200);
    expect(got.body.secretKey).toBeUndefined();
    expect(JSON.stringify(got.body)).not.toContain(res.body.secretKey);
    expect(got.body.secretPreview).toMatch(/^kwsk_live_.{4}….{4}$/);
    expect(got.body.secretPreview.endsWith(res.body.secretKey.slice(-4))).toBe(true);
    const list = await h.call('GET', '/v1/keys', { creds });
    expect(JSON.stringify(list.body)).not.toContain(res.body.secretKey);
    expect(list.body.data.map((k: any) => k.id)).toContain(res.body.id);
    expect((await h.call('GET', '/v1/keys/key_nope', { creds })).body.code).toBe('NOT_FOUND');
  });

  it('rolls: the new pair works at once, the old one until exactly the grace end (11h59m ok, 12h00m01s refused)', async () => {
    const { creds } = await h.org();
    const created = await h.call('POST', '/v1/keys', { creds, body: { level: 'organization', mode: 'live' } });
    const old = pairOf(created.body);
    const rolledAt = h.clock.t;
    const roll = await h.call('POST', `/v1/keys/${created.body.id}/roll`, { creds: old });
    expect(roll.status).toBe(200);
    expect(roll.body.id).not.toBe(created.body.id);
    expect(roll.body.previous).toEqual({ id: created.body.id, expiresAt: new Date(rolledAt + 12 * HOUR).toISOString() });
    const fresh = pairOf(roll.body);
    expect(fresh.secretKey).not.toBe(old.secretKey);
    expect((await h.call('GET', '/v1/keys', { creds: fresh })).status).toBe(200);
    const meta = await h.call('GET', `/v1/keys/${created.body.id}`, { creds: fresh });
    expect(meta.body).toMatchObject({ status: 'rolled', replacedBy: roll.body.id, graceUntil: roll.body.previous.expiresAt });

    h.clock.advance(11 * HOUR + 59 * 60_000);
    expect((await h.call('GET', '/v1/keys', { creds: old })).status).toBe(200);
    h.clock.advance(60_000 + 1_000);
    const refused = await h.call('GET', '/v1/keys', { creds: old });
    expect(refused.status).toBe(401);
    expect(refused.body.code).toBe('KEY_EXPIRED');
    expect((await h.call('GET', '/v1/keys', { creds: fresh })).status).toBe(200);
    expect((await h.call('GET', `/v1/keys/${created.body.id}`, { creds: fresh })).body.status).toBe('expired');
  });

  it('refuses to roll a key twice (409 KEY_ALREADY_ROLLED), and a deleted key (409 KEY_REVOKED)', async () => {
    const { creds } = await h.org();
    const created = await h.call('POST', '/v1/keys', { creds, body: { level: 'organization', mode: 'live' } });
    expect((await h.call('POST', `/v1/keys/${created.body.id}/roll`, { creds })).status).toBe(200);
    const twice = await h.call('POST', `/v1/keys/${created.body.id}/roll`, { creds });
    expect(twice.status).toBe(409);
    expect(twice.body.code).toBe('KEY_ALREADY_ROLLED');
    const other = await h.call('POST', '/v1/keys', { creds, body: { level: 'organization', mode: 'live' } });
    await h.call('DELETE', `/v1/keys/${other.body.id}`, { creds });
    const dead = await h.call('POST', `/v1/keys/${other.body.id}/roll`, { creds });
    expect(dead.status).toBe(409);
    expect(dead.body.code).toBe('KEY_REVOKED');
  });

  it('honours a shorter configured grace period', async () => {
    const short = await startHarness(backend, { graceSeconds: 5 });
    try {
      const { creds } = await short.org();
      const created = await short.call('POST', '/v1/keys', { creds, body: { level: 'organization', mode: 'live' } });
      const roll = await short.call('POST', `/v1/keys/${created.body.id}/roll`, { creds });
      expect(roll.body.previous.expiresAt).toBe(new Date(short.clock.t + 5_000).toISOString());
      short.clock.advance(4_999);
      expect((await short.call('GET', '/v1/keys', { creds: pairOf(created.body) })).status).toBe(200);
      short.clock.advance(1);
      expect((await short.call('GET', '/v1/keys', { creds: pairOf(created.body) })).body.code).toBe('KEY_EXPIRED');
    } finally {
      await short.close();
    }
  });

  it('delete during the grace period ends the old key at once', async () => {
    const { creds } = await h.org();
    const created = await h.call('POST', '/v1/keys', { creds, body: { level: 'organization', mode: 'live' } });
    await h.call('POST', `/v1/keys/${created.body.id}/roll`, { creds });
    expect((await h.call('GET', '/v1/keys', { creds: pairOf(created.body) })).status).toBe(200);
    expect((await h.call('DELETE', `/v1/keys/${created.body.id}`, { creds })).status).toBe(200);
    expect((await h.call('GET', '/v1/keys', { creds: pairOf(created.body) })).body.code).toBe('KEY_REVOKED');
  });
});
