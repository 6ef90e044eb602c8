import { describe, expect, it } from 'vitest';
import { backends, harnessFor, pairOf, type Pair } from './helpers.js';

describe.each(backends('scope'))('scope enforcement and test/live separation ($name)', (backend) => {
  const h = harnessFor(backend);

  async function account(creds: Pair, name = 'shop'): Promise<string> {
    const res = await h.call('POST', '/v1/accounts', { creds, body: { name } });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  async function key(creds: Pair, body: Record<string, unknown>): Promise<{ id: string; pair: Pair; body: any }> {
    const res = await h.call('POST', '/v1/keys', { creds, body: { mode: 'live', ...body } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return { id: res.body.id, pair: pairOf(res.body), body: res.body };
  }

  it('an organization key reaches every account of its organization, and no other organization', async () => {
    const a = await h.org();
    const b = await h.org();
    const acct1 = await account(a.creds, 'one');
    const acct2 = await account(a.creds, 'two');
    const listed = await h.call('GET', '/v1/accounts', { creds: a.creds });
    expect(listed.body.data.map((x: any) => x.id).sort()).toEqual([acct1, acct2].sort());
    expect((await h.call('GET', '/v1/accounts', { creds: b.creds })).body.data).toEqual([]);
    const k1 = await key(a.creds, { level: 'account', accountId: acct1 });
    expect(k1.body.accountId).toBe(acct1);
    // Another organization cannot see, roll or delete it, nor mint keys on its accounts.
    expect((await h.call('GET', `/v1/keys/${k1.id}`, { creds: b.creds })).body.code).toBe('NOT_FOUND');
    expect((await h.call('POST', `/v1/keys/${k1.id}/roll`, { creds: b.creds })).status).toBe(404);
    expect((await h.call('DELETE', `/v1/keys/${k1.id}`, { creds: b.creds })).status).toBe(404);
    const foreign = await h.call('POST', '/v1/keys', { creds: b.creds, body: { level: 'account', accountId: acct1, mode: 'live' } });
    expect(foreign.status).toBe(404);
  });

  it('an account key reaches only its own account', async () => {
    const a = await h.org();
    const acct1 = await account(a.creds, 'one');
    const acct2 = await account(a.creds, 'two');
    const k1 = await key(a.creds, { level: 'account', accountId: acct1 });
    const k2 = await key(a.creds, { level: 'account', accountId: acct2 });
    const accounts = await h.call('GET', '/v1/accounts', { creds: k1.pair });
    expect(accounts.body.data.map((x: any) => x.id)).toEqual([acct1]);
    const keys = await h.call('GET', '/v1/keys', { creds: k1.pair });
    expect(keys.body.data.map((x: any) => x.id)).toEqual([k1.id]);
    const other = await h.call('GET', `/v1/keys/${k2.id}`, { creds: k1.pair });
    expect(other.status).toBe(403);
    expect(other.body.code).toBe('FORBIDDEN_ACCOUNT');
    expect((await h.call('GET', `/v1/keys/${a.key.id}`, { creds: k1.pair })).body.code).toBe('FORBIDDEN_ACCOUNT');
    expect((await h.call('POST', '/v1/keys', { creds: k1.pair, body: { level: 'account', accountId: acct2, mode: 'live' } })).body.code).toBe('FORBIDDEN_ACCOUNT');
    expect((await h.call('POST', '/v1/keys', { creds: k1.pair, body: { level: 'organization', mode: 'live' } })).body.code).toBe('FORBIDDEN_ACCOUNT');
    expect((await h.call('POST', '/v1/accounts', { creds: k1.pair, body: { name: 'x' } })).body.code).toBe('FORBIDDEN_ACCOUNT');
    // Within its account it may mint and roll.
    const own = await key(k1.pair, { level: 'account', accountId: acct1 });
    expect((await h.call('POST', `/v1/keys/${own.id}/roll`, { creds: k1.pair })).status).toBe(200);
  });

  it('a customized key is limited to its listed products and accounts, and cannot grant more', async () => {
    const a = await h.org();
    const acct1 = await account(a.creds, 'one');
    const acct2 = await account(a.creds, 'two');
    const k2 = await key(a.creds, { level: 'account', accountId: acct2 });
    const custom = await key(a.creds, { level: 'organization', name: 'ci', member: 'dev@example.com', products: ['keys'], accounts: [acct1] });
    expect(custom.body).toMatchObject({ customized: true, products: ['keys'], accounts: [acct1], name: 'ci', member: 'dev@example.com' });
    const noAccounts = await h.call('GET', '/v1/accounts', { creds: custom.pair });
    expect(noAccounts.status).toBe(403);
    expect(noAccounts.body.code).toBe('FORBIDDEN_PRODUCT');
    expect((await h.call('POST', '/v1/leaks', { creds: custom.pair, body: { tokenHash: 'a'.repeat(64), sourceUrl: 'x', description: '' } })).body.code).toBe('FORBIDDEN_PRODUCT');
    expect((await h.call('GET', '/v1/leaks', { creds: custom.pair })).body.code).toBe('FORBIDDEN_PRODUCT');
    expect((await h.call('GET', `/v1/keys/${k2.id}`, { creds: custom.pair })).body.code).toBe('FORBIDDEN_ACCOUNT');
    const inScope = await key(custom.pair, { level: 'account', accountId: acct1 });
    expect(inScope.body.products).toEqual(['keys']);
    // It lists the keys within its own powers: itself and what it made.
    expect((await h.call('GET', '/v1/keys', { creds: custom.pair })).body.data.map((k: any) => k.id)).toEqual([custom.id, inScope.id]);
    const escalate = await h.call('POST', '/v1/keys', { creds: custom.pair, body: { level: 'account', accountId: acct1, mode: 'live', products: ['keys', 'payments'] } });
    expect(escalate.status).toBe(403);
    expect(escalate.body.code).toBe('FORBIDDEN_PRODUCT');
    const wider = await h.call('POST', '/v1/keys', { creds: custom.pair, body: { level: 'organization', mode: 'live', accounts: [acct1, acct2] } });
    expect(wider.body.code).toBe('FORBIDDEN_ACCOUNT');
    // An organization key minted by a scoped key inherits its scope rather than widening it.
    const inherited = await key(custom.pair, { level: 'organization' });
    expect(inherited.body.accounts).toEqual([acct1]);
  });

  it('keeps test and live apart: a test key never sees or touches live data', async () => {
    const a = await h.org('live');
    const liveAccount = await account(a.creds, 'live-shop');
    const liveKey = await key(a.creds, { level: 'account', accountId: liveAccount });
    // The same organization's test key.
    const testRoot = await h.call('POST', '/v1/keys', { creds: a.creds, body: { level: 'organization', mode: 'test' } });
    expect(testRoot.status).toBe(403);
    expect(testRoot.body.code).toBe('MODE_MISMATCH');
    const t = await h.org('test');
    expect(t.key.publicKey.startsWith('kwpk_test_')).toBe(true);
    const testAccount = await account(t.creds, 'test-shop');
    expect((await h.call('GET', '/v1/accounts', { creds: t.creds })).body.data.map((x: any) => x.mode)).toEqual(['test']);
    const created = await h.call('POST', '/v1/keys', { creds: t.creds, body: { level: 'account', accountId: testAccount, mode: 'test' } });
    expect(created.status).toBe(201);
    expect(created.body.publicKey.startsWith('kwpk_test_')).toBe(true);
    expect(created.body.secretKey.startsWith('kwsk_test_')).toBe(true);
    // Live data is invisible to the test organization key of another org, and a mode change is refused.
    expect((await h.call('POST', '/v1/keys', { creds: t.creds, body: { level: 'organization', mode: 'live' } })).body.code).toBe('MODE_MISMATCH');
    expect((await h.call('GET', '/v1/keys', { creds: t.creds })).body.data.every((k: any) => k.mode === 'test')).toBe(true);
    // A live key does not list test keys or accounts of its own organization.
    expect((await h.call('GET', '/v1/keys', { creds: a.creds })).body.data.every((k: any) => k.mode === 'live')).toBe(true);
    expect(liveKey.body.mode).toBe('live');
  });

  it('refuses MODE_MISMATCH when a test key asks for a live key of its organization', async () => {
    const a = await h.org('live');
    const acct = await account(a.creds);
    const liveKey = await key(a.creds, { level: 'account', accountId: acct });
    // Create a test organization key in the same organization directly (bootstrap-style).
    const { insertKey } = await import('../../src/keyservice/keyModel.js');
    const testKey = await h.store.db.transaction((tx) =>
      insertKey(tx, h.store.pepper, { organizationId: a.organization.id, accountId: null, level: 'organization', mode: 'test', name: null, member: null, products: null, accounts: null, expiresAt: null, createdBy: null, revealed: true }, h.clock.now()),
    );
    const creds = { publicKey: testKey.publicKey, secretKey: testKey.secretKey };
    for (const [method, path] of [['GET', `/v1/keys/${liveKey.id}`], ['POST', `/v1/keys/${liveKey.id}/roll`], ['DELETE', `/v1/keys/${liveKey.id}`]] as const) {
      const res = await h.call(method, path, { creds });
      expect(res.status).toBe(403);
      expect(res.body.code).toBe('MODE_MISMATCH');
    }
    expect((await h.call('POST', '/v1/keys', { creds, body: { level: 'account', accountId: acct, mode: 'test' } })).body.code).toBe('MODE_MISMATCH');
    expect((await h.call('GET', '/v1/accounts', { creds })).body.data).toEqual([]);
    expect((await h.call('GET', `/v1/keys/${liveKey.id}`, { creds: a.creds })).body.status).toBe('active');
  });
});
