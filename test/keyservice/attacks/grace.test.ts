// Attacks with a key in its grace period (issue 12 defect 2): whoever copied a leaked secret
// must get nothing lasting out of the 12 hours it keeps working.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { grantKey } from '../../../src/keyservice/bootstrap.js';
import { backends, harnessFor, pairOf } from '../helpers.js';
import { leakReporter, mintAccount, mintKey, statusOf } from './support.js';

const HOUR = 3_600_000;

describe.each(backends('atk_grace'))('attacks: a key in its grace period ($name)', (backend) => {
  const h = harnessFor(backend);
  const report = leakReporter(h);

  it('defect 2: a leaked key cannot mint a key, take its replacement, delete it or create accounts', async () => {
    const org = await h.org();
    const leaked = await mintKey(h, org.creds, { level: 'organization', name: 'app' });
    const reported = await report(leaked.pair.secretKey);
    expect(reported.body.label).toBe('rolled');
    const replacement = reported.body.newKeyId as string;
    const attempts = [
      await h.call('POST', '/v1/keys', { creds: leaked.pair, body: { level: 'organization', mode: 'live' } }),
      await h.call('POST', `/v1/keys/${replacement}/roll`, { creds: leaked.pair }),
      await h.call('POST', `/v1/keys/${leaked.id}/roll`, { creds: leaked.pair }),
      await h.call('DELETE', `/v1/keys/${replacement}`, { creds: leaked.pair }),
      await h.call('POST', '/v1/accounts', { creds: leaked.pair, body: { name: 'mine' } }),
    ];
    for (const res of attempts) {
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('KEY_IN_GRACE');
      expect(res.body.secretKey).toBeUndefined();
    }
    // The owner's recovery works: roll the replacement, get a usable pair.
    const recovered = await h.call('POST', `/v1/keys/${replacement}/roll`, { creds: org.creds });
    expect(recovered.status).toBe(200);
    expect((await h.call('GET', '/v1/keys', { creds: pairOf(recovered.body) })).status).toBe(200);
    h.clock.advance(12 * HOUR);
    expect((await h.call('GET', '/v1/keys', { creds: leaked.pair })).status).toBe(401);
    // Nothing minted with the leaked key outlives it: the org holds bootstrap, leaked, replacement, its successor.
    expect((await h.call('GET', '/v1/keys', { creds: org.creds })).body.data).toHaveLength(4);
  });

  it('defect 2 (stricter variant): a key rolled because of a leak keeps no management product at all', async () => {
    const org = await h.org();
    const leaked = await mintKey(h, org.creds, { level: 'organization', name: 'app' });
    await report(leaked.pair.secretKey);
    const reads = [
      await h.call('GET', '/v1/keys', { creds: leaked.pair }),
      await h.call('GET', `/v1/keys/${leaked.id}`, { creds: leaked.pair }),
      await h.call('GET', '/v1/accounts', { creds: leaked.pair }),
      await h.call('GET', '/v1/leaks', { creds: leaked.pair }),
      await h.call('POST', '/v1/keys/verify', { creds: leaked.pair, body: { token: org.creds.publicKey } }),
      await report(org.creds.secretKey, { creds: leaked.pair }),
    ];
    for (const res of reads) expect(res.body.code).toBe('KEY_IN_GRACE');
    expect(await statusOf(h, org.creds, org.key.id)).toBe('active');
    // The rotation bot's own key, once reported, stops reporting at once.
    const own = pairOf(await grantKey(h.store, { organizationId: org.organization.id, products: ['leak-reports'], now: h.clock.now() }));
    expect((await report(own.secretKey, { creds: own })).body.label).toBe('rolled');
    expect((await report(own.secretKey, { creds: own })).body.code).toBe('KEY_IN_GRACE');
  });

  it('defect 2: a key its owner rolled keeps its traffic (reads, leak reports) but manages nothing', async () => {
    const org = await h.org();
    const acct = await mintAccount(h, org.creds);
    const old = await mintKey(h, org.creds, { level: 'organization' });
    const idem = randomUUID();
    const minted = await h.call('POST', '/v1/keys', { creds: old.pair, idem, body: { level: 'account', accountId: acct, mode: 'live' } });
    expect(minted.status).toBe(201);
    const rolled = await h.call('POST', `/v1/keys/${old.id}/roll`, { creds: org.creds });
    expect(rolled.status).toBe(200);
    expect((await h.call('GET', '/v1/keys', { creds: old.pair })).status).toBe(200);
    expect((await h.call('GET', '/v1/accounts', { creds: old.pair })).status).toBe(200);
    expect((await report(randomUUID(), { creds: old.pair })).body.label).toBe('unknown');
    for (const res of [
      await h.call('POST', '/v1/keys', { creds: old.pair, body: { level: 'organization', mode: 'live' } }),
      await h.call('POST', `/v1/keys/${rolled.body.id}/roll`, { creds: old.pair }),
      await h.call('DELETE', `/v1/keys/${minted.body.id}`, { creds: old.pair }),
      await h.call('POST', '/v1/accounts', { creds: old.pair, body: { name: 'x' } }),
      // A stored answer that carries a secret is not handed out again to a key in grace.
      await h.call('POST', '/v1/keys', { creds: old.pair, idem, body: { level: 'account', accountId: acct, mode: 'live' } }),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('KEY_IN_GRACE');
    }
  });

  it('a roll of a key in grace: 409 naming its replacement for the owner, KEY_IN_GRACE for the key itself', async () => {
    const org = await h.org();
    const leaked = await mintKey(h, org.creds, { level: 'organization' });
    const reported = await report(leaked.pair.secretKey);
    const again = await h.call('POST', `/v1/keys/${leaked.id}/roll`, { creds: org.creds });
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('KEY_ALREADY_ROLLED');
    expect(again.body.message).toContain(reported.body.newKeyId);
    expect((await h.call('POST', `/v1/keys/${leaked.id}/roll`, { creds: leaked.pair })).body.code).toBe('KEY_IN_GRACE');
    expect((await h.call('GET', `/v1/keys/${reported.body.newKeyId}`, { creds: org.creds })).body.status).toBe('active');
  });
});
