// Attacks by a narrow key trying to gain power: roll, read or delete a broader key (issue 12
// defect 1), outlive its creator (defect 3), and act through a deleted parent.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatToken } from '../../../src/keyformat/keyFormat.js';
import { backends, harnessFor, pairOf } from '../helpers.js';
import { mintAccount, mintKey, statusOf } from './support.js';

describe.each(backends('atk_esc'))('attacks: a narrow key cannot gain power ($name)', (backend) => {
  const h = harnessFor(backend);

  it('defect 1: a keys-only key can neither roll, read nor delete an unrestricted key', async () => {
    const org = await h.org();
    const narrow = await mintKey(h, org.creds, { level: 'organization', products: ['keys'] });
    const broad = await mintKey(h, org.creds, { level: 'organization', name: 'deploy' });
    for (const target of [broad.id, org.key.id]) {
      const roll = await h.call('POST', `/v1/keys/${target}/roll`, { creds: narrow.pair });
      expect(roll.status).toBe(403);
      expect(roll.body.code).toBe('FORBIDDEN_PRODUCT');
      expect(roll.body.secretKey).toBeUndefined();
      expect((await h.call('GET', `/v1/keys/${target}`, { creds: narrow.pair })).status).toBe(403);
      expect((await h.call('DELETE', `/v1/keys/${target}`, { creds: narrow.pair })).status).toBe(403);
      expect(await statusOf(h, org.creds, target)).toBe('active');
    }
    // Its list holds only what it could manage: itself.
    expect((await h.call('GET', '/v1/keys', { creds: narrow.pair })).body.data.map((k: any) => k.id)).toEqual([narrow.id]);
    // The only way to a broader pair was the roll; accounts stay out of reach.
    expect((await h.call('POST', '/v1/accounts', { creds: narrow.pair, body: { name: 'x' } })).status).toBe(403);
  });

  it('defect 1: an account key cannot take a broader key of its own account, nor the bootstrap key', async () => {
    const org = await h.org();
    const acct = await mintAccount(h, org.creds);
    const small = await mintKey(h, org.creds, { level: 'account', accountId: acct, products: ['keys'] });
    const broader = await mintKey(h, org.creds, { level: 'account', accountId: acct });
    for (const target of [broader.id, org.key.id]) {
      expect((await h.call('POST', `/v1/keys/${target}/roll`, { creds: small.pair })).status).toBe(403);
      expect((await h.call('GET', `/v1/keys/${target}`, { creds: small.pair })).status).toBe(403);
      expect((await h.call('DELETE', `/v1/keys/${target}`, { creds: small.pair })).status).toBe(403);
      expect(await statusOf(h, org.creds, target)).toBe('active');
    }
    // An organization key scoped to one account cannot take an organization key that reaches all.
    const scoped = await mintKey(h, org.creds, { level: 'organization', accounts: [acct] });
    const roll = await h.call('POST', `/v1/keys/${org.key.id}/roll`, { creds: scoped.pair });
    expect(roll.status).toBe(403);
    expect(roll.body.code).toBe('FORBIDDEN_ACCOUNT');
  });

  it('defect 1: within its own scope a narrow key still manages keys (itself and what it made)', async () => {
    const org = await h.org();
    const acct = await mintAccount(h, org.creds);
    const narrow = await mintKey(h, org.creds, { level: 'account', accountId: acct, products: ['keys'] });
    const child = await mintKey(h, narrow.pair, { level: 'account', accountId: acct });
    expect(child.body.products).toEqual(['keys']);
    expect((await h.call('GET', `/v1/keys/${child.id}`, { creds: narrow.pair })).status).toBe(200);
    const rolled = await h.call('POST', `/v1/keys/${child.id}/roll`, { creds: narrow.pair });
    expect(rolled.status).toBe(200);
    expect((await h.call('DELETE', `/v1/keys/${rolled.body.id}`, { creds: narrow.pair })).status).toBe(200);
  });

  it('defect 3: a key created by an expiring key expires with it; a later expiry is a 400 that says so', async () => {
    const org = await h.org();
    const parentExpiry = new Date(h.clock.t + 3_000).toISOString();
    const parent = await mintKey(h, org.creds, { level: 'organization', expiresAt: parentExpiry });
    const child = await mintKey(h, parent.pair, { level: 'organization' });
    expect(child.body.expiresAt).toBe(parentExpiry);
    const later = await h.call('POST', '/v1/keys', { creds: parent.pair, body: { level: 'organization', mode: 'live', expiresAt: new Date(h.clock.t + 3_600_000).toISOString() } });
    expect(later.status).toBe(400);
    expect(later.body.code).toBe('VALIDATION_FAILED');
    expect(later.body.message).toContain(parentExpiry);
    const sooner = await mintKey(h, parent.pair, { level: 'organization', expiresAt: new Date(h.clock.t + 1_000).toISOString() });
    expect(sooner.body.expiresAt).toBe(new Date(h.clock.t + 1_000).toISOString());
    // Nor may it roll a key that never expires: the new pair would outlive it.
    const forever = await h.call('POST', `/v1/keys/${org.key.id}/roll`, { creds: parent.pair });
    expect(forever.status).toBe(403);
    h.clock.advance(3_000);
    expect((await h.call('GET', '/v1/keys', { creds: child.pair })).body.code).toBe('KEY_EXPIRED');
  });



  it('deleted parents: a deleted key reaches nothing, not even a stored response with its child\'s secret', async () => {
    const org = await h.org();
    const parent = await mintKey(h, org.creds, { level: 'organization', products: ['keys'] });
    const idem = randomUUID();
    const created = await h.call('POST', '/v1/keys', { creds: parent.pair, idem, body: { level: 'organization', mode: 'live' } });
    expect(created.status).toBe(201);
    expect((await h.call('DELETE', `/v1/keys/${parent.id}`, { creds: org.creds })).status).toBe(200);
    const replay = await h.call('POST', '/v1/keys', { creds: parent.pair, idem, body: { level: 'organization', mode: 'live' } });
    expect(replay.status).toBe(401);
    expect(replay.body).toEqual({ code: 'KEY_REVOKED', message: expect.any(String) });
    expect((await h.call('POST', `/v1/keys/${created.body.id}/roll`, { creds: parent.pair })).status).toBe(401);
    // The child stands on its own, no wider than its parent was, and its owner can still roll it.
    const child = pairOf(created.body);
    expect((await h.call('GET', '/v1/accounts', { creds: child })).status).toBe(403);
    expect((await h.call('POST', `/v1/keys/${created.body.id}/roll`, { creds: org.creds })).status).toBe(200);
    // A wrong secret for the deleted parent's public key is an ordinary wrong pair.
    const guess = await h.call('GET', '/v1/keys', { creds: { publicKey: parent.pair.publicKey, secretKey: formatToken('secret', 'live') } });
    expect(guess.body.code).toBe('INVALID_CREDENTIALS');
  });
});
