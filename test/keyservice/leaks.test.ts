import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { grantKey } from '../../src/keyservice/bootstrap.js';
import { formatToken } from '../../src/keyformat/keyFormat.js';
import { backends, harnessFor, pairOf, type Pair } from './helpers.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const HOUR = 3_600_000;

describe.each(backends('leaks'))('leak reports and verify ($name)', (backend) => {
  const h = harnessFor(backend);
  let bot: Pair;
  beforeAll(async () => {
    const platform = await h.org();
    const granted = await grantKey(h.store, { organizationId: platform.organization.id, products: ['leak-reports'], name: 'rotation-bot', now: h.clock.now() });
    bot = pairOf(granted);
  });

  const report = (tokenHash: string, creds: Pair = bot, idem?: string) =>
    h.call('POST', '/v1/leaks', { creds, idem, body: { tokenHash, sourceUrl: 'https://github.com/acme/app/blob/abc/config.js#L3', description: 'found in a push' } });

  async function customerKey(mode: 'live' | 'test' = 'live') {
    const customer = await h.org(mode);
    const acct = await h.call('POST', '/v1/accounts', { creds: customer.creds, body: { name: 'shop' } });
    const key = await h.call('POST', '/v1/keys', { creds: customer.creds, body: { level: 'account', accountId: acct.body.id, mode } });
    return { customer, accountId: acct.body.id as string, key: key.body, pair: pairOf(key.body) };
  }

  it('with action revoke (a leak in public), revokes the key at once: label revoked_now, refused now, no roll; names the key', async () => {
    const { key, pair } = await customerKey();
    const res = await h.call('POST', '/v1/leaks', { creds: bot, body: { tokenHash: sha(pair.secretKey), sourceUrl: 'https://github.com/acme/site/blob/abc/.env#L1', description: 'public repository', action: 'revoke' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ label: 'revoked_now', keyId: key.id, revokedAt: new Date(h.clock.t).toISOString() });
    expect('rolledAt' in res.body).toBe(false);
    const verify = await h.call('POST', '/v1/keys/verify', { creds: bot, body: { tokenHash: sha(pair.secretKey) } });
    expect(verify.body).toMatchObject({ status: 'revoked', keyId: key.id });
    expect(verify.body).toHaveProperty('name');
    const bad = await h.call('POST', '/v1/leaks', { creds: bot, body: { tokenHash: sha(pair.secretKey), sourceUrl: 'x', description: 'y', action: 'delete' } });
    expect(bad.status).toBe(400);
  });

  it('rolls an active live secret key of any organization: label rolled, with owner and old-key expiry', async () => {
    const { customer, accountId, key, pair } = await customerKey();
    const res = await report(sha(pair.secretKey));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      label: 'rolled',
      keyId: key.id,
      organizationId: customer.organization.id,
      accountId,
      mode: 'live',
      kind: 'secret',
      rolledAt: new Date(h.clock.t).toISOString(),
      previousExpiresAt: new Date(h.clock.t + 12 * HOUR).toISOString(),
    });
    expect(res.body.newKeyId).toMatch(/^key_/);
    expect(JSON.stringify(res.body)).not.toMatch(/kwsk_/);
    // The owner sees the state; the leaked key keeps only its application products during the grace.
    const meta = await h.call('GET', `/v1/keys/${key.id}`, { creds: customer.creds });
    expect(meta.body).toMatchObject({ status: 'rolled', replacedBy: res.body.newKeyId });
    expect((await h.call('GET', `/v1/keys/${key.id}`, { creds: pair })).body.code).toBe('KEY_IN_GRACE');
    // The owner gets a usable pair by rolling the replacement, whose secret nobody saw.
    const claim = await h.call('POST', `/v1/keys/${res.body.newKeyId}/roll`, { creds: customer.creds });
    expect(claim.status).toBe(200);
    expect(claim.body.previous.expiresAt).toBe(new Date(h.clock.t).toISOString());
    expect((await h.call('GET', '/v1/keys', { creds: pairOf(claim.body) })).status).toBe(200);
  });

  it('rolls a test secret too, and a test reporter may not touch live keys', async () => {
    const { pair } = await customerKey('test');
    expect((await report(sha(pair.secretKey))).body).toMatchObject({ label: 'rolled', mode: 'test' });
    const testPlatform = await h.org('test');
    const live = await customerKey('live');
    const res = await report(sha(live.pair.secretKey), testPlatform.creds);
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('MODE_MISMATCH');
    expect((await h.call('GET', `/v1/keys/${live.key.id}`, { creds: live.customer.creds })).body.status).toBe('active');
  });

  it('does not roll again: already_rolled (existing grace), revoked, expired', async () => {
    const { customer, key, pair } = await customerKey();
    const first = await report(sha(pair.secretKey));
    h.clock.advance(HOUR);
    const second = await report(sha(pair.secretKey));
    expect(second.body).toMatchObject({ label: 'already_rolled', keyId: key.id, newKeyId: first.body.newKeyId, graceUntil: first.body.previousExpiresAt, previousExpiresAt: first.body.previousExpiresAt });
    const keys = await h.call('GET', '/v1/keys', { creds: customer.creds });
    expect(keys.body.data).toHaveLength(3); // bootstrap key, the leaked key, one replacement

    const revoked = await customerKey();
    await h.call('DELETE', `/v1/keys/${revoked.key.id}`, { creds: revoked.customer.creds });
    expect((await report(sha(revoked.pair.secretKey))).body).toMatchObject({ label: 'revoked', keyId: revoked.key.id });

    const expiring = await customerKey();
    const short = await h.call('POST', '/v1/keys', { creds: expiring.customer.creds, body: { level: 'organization', mode: 'live', expiresAt: new Date(h.clock.t + 1000).toISOString() } });
    h.clock.advance(1000);
    expect((await report(sha(short.body.secretKey))).body).toMatchObject({ label: 'expired', keyId: short.body.id });
    h.clock.advance(12 * HOUR);
    expect((await report(sha(pair.secretKey))).body.label).toBe('expired');
  });

  it('labels a public key public and changes nothing; an unknown hash unknown', async () => {
    const { customer, key, pair } = await customerKey();
    const res = await report(sha(pair.publicKey));
    expect(res.body).toMatchObject({ label: 'public', keyId: key.id, kind: 'public' });
    expect((await h.call('GET', `/v1/keys/${key.id}`, { creds: customer.creds })).body.status).toBe('active');
    expect((await report(sha(formatToken('secret', 'live')))).body).toEqual({ incidentId: expect.any(String), label: 'unknown', tokenHash: expect.any(String) });
    expect((await report('nothex')).body.code).toBe('VALIDATION_FAILED');
  });

  it('records every report as an incident, listed for the reporter and for the owner', async () => {
    const { customer, key, pair } = await customerKey();
    await report(sha(pair.secretKey));
    await report(sha(pair.secretKey));
    const own = await h.call('GET', '/v1/leaks', { creds: customer.creds });
    expect(own.status).toBe(200);
    expect(own.body.data.map((i: any) => i.label)).toEqual(['already_rolled', 'rolled']);
    expect(own.body.data[0]).toMatchObject({ keyId: key.id, sourceUrl: expect.stringContaining('github.com'), tokenHash: sha(pair.secretKey) });
    const mine = await h.call('GET', '/v1/leaks', { creds: bot });
    expect(mine.body.data.length).toBeGreaterThanOrEqual(2);
    const stranger = await h.org();
    expect((await h.call('GET', '/v1/leaks', { creds: stranger.creds })).body.data).toEqual([]);
  });

  it("rolls the reporter's own secret like any other; the leaked reporter key then stops reporting", async () => {
    const own = await grantKey(h.store, { products: ['leak-reports'], organizationId: (await h.org()).organization.id, now: h.clock.now() });
    const creds = pairOf(own);
    const res = await report(sha(creds.secretKey), creds);
    expect(res.body).toMatchObject({ label: 'rolled', keyId: own.id });
    expect((await report(sha(creds.secretKey), creds)).body.code).toBe('KEY_IN_GRACE');
    expect((await report(sha(creds.secretKey))).body.label).toBe('already_rolled');
  });

  it('verifies raw tokens and hashes: kind, mode, status, grace end; owner only for its org or a leak reporter', async () => {
    const { customer, key, pair } = await customerKey();
    const stranger = await h.org();
    const byToken = await h.call('POST', '/v1/keys/verify', { creds: customer.creds, body: { token: pair.secretKey } });
    expect(byToken.body).toMatchObject({ known: true, kind: 'secret', mode: 'live', level: 'account', status: 'active', keyId: key.id, organizationId: customer.organization.id });
    const byHash = await h.call('POST', '/v1/keys/verify', { creds: stranger.creds, body: { tokenHash: sha(pair.publicKey) } });
    expect(byHash.body).toEqual({ known: true, kind: 'public', mode: 'live', level: 'account', status: 'active' });
    const rolled = await report(sha(pair.secretKey));
    const inGrace = await h.call('POST', '/v1/keys/verify', { creds: bot, body: { tokenHash: sha(pair.secretKey) } });
    expect(inGrace.body).toMatchObject({ known: true, status: 'grace', graceUntil: rolled.body.previousExpiresAt, keyId: key.id, replacedBy: rolled.body.newKeyId });
    await h.call('DELETE', `/v1/keys/${key.id}`, { creds: customer.creds });
    expect((await h.call('POST', '/v1/keys/verify', { creds: bot, body: { token: pair.secretKey } })).body.status).toBe('revoked');
    expect((await h.call('POST', '/v1/keys/verify', { creds: bot, body: { token: formatToken('secret', 'live') } })).body).toEqual({ known: false });
    expect((await h.call('POST', '/v1/keys/verify', { creds: bot, body: { token: 'kwsk_live_nope' } })).body).toEqual({ known: false, wellFormed: false });
    expect((await h.call('POST', '/v1/keys/verify', { creds: bot, body: {} })).body.code).toBe('VALIDATION_FAILED');
    const scoped = await h.call('POST', '/v1/keys', { creds: customer.creds, body: { level: 'organization', mode: 'live', products: ['payments'] } });
    expect((await h.call('POST', '/v1/keys/verify', { creds: pairOf(scoped.body), body: { token: pair.secretKey } })).body.code).toBe('FORBIDDEN_PRODUCT');
  });
});
