// Attacks on authentication (issue 12 defects 4 and 5): locking an owner out through their
// public key, learning from the answer whether a guessed secret is some other key's, and
// crossing test and live.
import { describe, expect, it } from 'vitest';
import { formatToken } from '../../../src/keyformat/keyFormat.js';
import { startKeyService } from '../../../src/keyservice/server.js';
import { backends, clientFor, harnessFor } from '../helpers.js';
import { mintAccount, mintKey, recordingStore, sha, statusOf } from './support.js';

const LIMIT = 5;

describe.each(backends('atk_cred'))('attacks: authentication ($name)', (backend) => {
  const h = harnessFor(backend, { rateLimit: { maxFailures: LIMIT, windowMs: 60_000 } });
  const behindProxy = () => startKeyService({ store: h.store, now: h.clock.now, trustProxy: true, rateLimit: { maxFailures: LIMIT, windowMs: 60_000 } });
  const from = (ip: string) => ({ 'x-forwarded-for': ip });

  it('defect 4: wrong secrets for a public key, from any IP, never lock its owner out (new IP, same IP, after a restart)', async () => {
    const victim = await h.org();
    const wrong = { publicKey: victim.creds.publicKey, secretKey: formatToken('secret', 'live') };
    let service = await behindProxy();
    try {
      const call = clientFor(service.url);
      const statuses: number[] = [];
      for (let i = 0; i < 2 * LIMIT + 2; i++) statuses.push((await call('GET', '/v1/keys', { creds: wrong, headers: from(`203.0.113.${i}`) })).status);
      // Limited per public key although every guess came from another IP.
      expect(statuses.slice(0, LIMIT)).toEqual(Array(LIMIT).fill(401));
      expect(statuses.slice(LIMIT + 1)).toEqual(Array(LIMIT + 1).fill(429));
      expect((await call('GET', '/v1/keys', { creds: victim.creds, headers: from('198.51.100.7') })).status).toBe(200);
      expect((await call('GET', '/v1/keys', { creds: victim.creds, headers: from('203.0.113.1') })).status).toBe(200);
      await service.close();
      // A restart forgets nothing: the guesses stay limited, the owner stays in.
      service = await behindProxy();
      const again = clientFor(service.url);
      const guess = await again('GET', '/v1/keys', { creds: wrong, headers: from('192.0.2.50') });
      expect(guess.status).toBe(429);
      expect(guess.body.code).toBe('RATE_LIMITED');
      expect(Number(guess.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await again('GET', '/v1/keys', { creds: victim.creds, headers: from('192.0.2.51') })).status).toBe(200);
    } finally {
      await service.close();
    }
  });

  it('defect 4: an IP that fails too often is limited for every public key it tries, not for correct pairs', async () => {
    const service = await behindProxy();
    try {
      const call = clientFor(service.url);
      const owner = await h.org();
      const statuses: number[] = [];
      for (let i = 0; i <= LIMIT; i++) {
        statuses.push((await call('GET', '/v1/keys', { creds: { publicKey: formatToken('public', 'live'), secretKey: formatToken('secret', 'live') }, headers: from('203.0.113.200') })).status);
      }
      expect(statuses).toEqual([...Array(LIMIT).fill(401), 429]);
      expect((await call('GET', '/v1/keys', { creds: owner.creds, headers: from('203.0.113.200') })).status).toBe(200);
    } finally {
      await service.close();
    }
  });

  it('defect 5: having authenticated once from an IP gives that IP no free guesses', async () => {
    const service = await behindProxy();
    try {
      const call = clientFor(service.url);
      const proven = await h.org();
      const ip = from('198.51.100.99');
      expect((await call('GET', '/v1/keys', { creds: proven.creds, headers: ip })).status).toBe(200);
      const wrong = { publicKey: proven.creds.publicKey, secretKey: formatToken('secret', 'live') };
      const statuses: number[] = [];
      for (let i = 0; i <= LIMIT; i++) statuses.push((await call('GET', '/v1/keys', { creds: wrong, headers: ip })).status);
      expect(statuses).toEqual([...Array(LIMIT).fill(401), 429]);
    } finally {
      await service.close();
    }
  });

  it("defect 5: another key's secret answers exactly like a random wrong secret", async () => {
    const service = await startKeyService({ store: h.store, now: h.clock.now, rateLimit: { maxFailures: 1_000 } });
    try {
      const call = clientFor(service.url);
      const target = await h.org();
      const others = await Promise.all(Array.from({ length: 6 }, () => h.org()));
      const random = await call('GET', '/v1/keys', { creds: { publicKey: target.creds.publicKey, secretKey: formatToken('secret', 'live') } });
      expect(random.body.code).toBe('INVALID_CREDENTIALS');
      for (const other of others) {
        const res = await call('GET', '/v1/keys', { creds: { publicKey: target.creds.publicKey, secretKey: other.creds.secretKey } });
        expect(res.status).toBe(401);
        expect(res.body).toEqual(random.body);
      }
    } finally {
      await service.close();
    }
  });

  it("defect 5: the server does the same work for another key's secret as for a random one, and never looks the secret up", async () => {
    const recorded = recordingStore(h.store);
    const service = await startKeyService({ store: recorded.store, now: h.clock.now, rateLimit: { maxFailures: 1_000 } });
    try {
      const call = clientFor(service.url);
      const target = await h.org();
      const other = await h.org();
      const statementsFor = async (secretKey: string) => {
        recorded.statements.length = 0;
        await call('GET', '/v1/keys', { creds: { publicKey: target.creds.publicKey, secretKey } });
        // The webhook dispatcher polls in the background; only the request's own work counts.
        return recorded.statements.filter((sql) => !sql.includes('webhook_'));
      };
      const forRandom = await statementsFor(formatToken('secret', 'live'));
      const forOther = await statementsFor(other.creds.secretKey);
      expect(forRandom.length).toBeGreaterThan(0);
      expect(forOther).toEqual(forRandom);
      // Nothing looks a key up by the presented secret: whose secret it is never matters.
      expect(forOther.filter((sql) => /secret_(hmac|sha256)\s*=/.test(sql))).toEqual([]);
    } finally {
      await service.close();
    }
  });

  it('mode confusion: a test key never reaches live keys or accounts, and a live public key takes no test secret', async () => {
    const live = await h.org('live');
    const liveAccount = await mintAccount(h, live.creds);
    const liveKey = await mintKey(h, live.creds, { level: 'account', accountId: liveAccount });
    const test = await h.org('test');
    const testCreds = test.creds;
    const attempts = [
      await h.call('POST', '/v1/keys', { creds: testCreds, body: { level: 'account', accountId: liveAccount, mode: 'test' } }),
      await h.call('POST', '/v1/keys', { creds: testCreds, body: { level: 'organization', mode: 'test', accounts: [liveAccount] } }),
      await h.call('POST', `/v1/keys/${liveKey.id}/roll`, { creds: testCreds }),
      await h.call('POST', '/v1/leaks', { creds: testCreds, body: { tokenHash: sha(liveKey.pair.secretKey), sourceUrl: 'u', description: 'd' } }),
    ];
    for (const res of attempts) expect([403, 404]).toContain(res.status);
    expect(await statusOf(h, live.creds, liveKey.id)).toBe('active');
    // A live public key with a test-mode secret (even a real one) is just a wrong pair.
    const service = await behindProxy();
    try {
      const mixed = await clientFor(service.url)('GET', '/v1/keys', { creds: { publicKey: live.creds.publicKey, secretKey: testCreds.secretKey }, headers: from('192.0.2.77') });
      expect(mixed.status).toBe(401);
      expect(mixed.body.code).toBe('INVALID_CREDENTIALS');
    } finally {
      await service.close();
    }
  });
});
