// Attacks through X-Idempotency-Key (issue 12 defects 8, 9 and 12): a key reused on another
// route must not replay another operation's answer, a 403 is the first response like any
// other, and a duplicate in flight is refused on the embedded database as on PostgreSQL.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startKeyService } from '../../../src/keyservice/server.js';
import { backends, clientFor, gatedStore, harnessFor } from '../helpers.js';
import { mintAccount, mintKey, statusOf } from './support.js';

describe.each(backends('atk_idem'))('attacks: idempotency keys ($name)', (backend) => {
  const h = harnessFor(backend);

  it('defect 8: a key stored for a create is refused on a delete or a roll (422), and neither runs', async () => {
    const org = await h.org();
    const idem = randomUUID();
    const created = await h.call('POST', '/v1/keys', { creds: org.creds, idem, body: { level: 'organization', mode: 'live' } });
    expect(created.status).toBe(201);
    for (const [method, path] of [['DELETE', `/v1/keys/${created.body.id}`], ['POST', `/v1/keys/${created.body.id}/roll`], ['POST', '/v1/accounts']] as const) {
      const res = await h.call(method, path, { creds: org.creds, idem, body: method === 'POST' && path === '/v1/accounts' ? { name: 'x' } : undefined });
      expect(res.status, `${method} ${path}`).toBe(422);
      expect(res.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
      expect(res.body.message).toContain('POST /v1/keys');
      expect(res.headers.get('idempotent-replayed')).toBeNull();
    }
    expect(await statusOf(h, org.creds, created.body.id)).toBe('active');
    // On its own route the key still replays the first answer, even with another body.
    const again = await h.call('POST', '/v1/keys', { creds: org.creds, idem, body: { level: 'organization', mode: 'live', name: 'other' } });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(created.body.id);
  });

  it('defect 9: a 403 is stored like any other first answer; an authentication failure is not', async () => {
    const org = await h.org();
    const narrow = await mintKey(h, org.creds, { level: 'organization', products: ['accounts'] });
    const idem = randomUUID();
    const first = await h.call('POST', '/v1/keys', { creds: narrow.pair, idem, body: { level: 'organization', mode: 'live' } });
    expect(first.status).toBe(403);
    expect(first.body.code).toBe('FORBIDDEN_PRODUCT');
    const repeat = await h.call('POST', '/v1/keys', { creds: narrow.pair, idem, body: { level: 'organization', mode: 'live', name: 'x' } });
    expect(repeat.status).toBe(403);
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');
    expect(repeat.body).toEqual(first.body);
    const stored = await h.store.db.query<{ response_status: number }>('SELECT response_status FROM idempotency_records WHERE credential_id = $1', [narrow.id]);
    expect(stored.map((r) => r.response_status)).toEqual([403]);
    // A wrong secret has no credential to store under: the owner's own use of the key is untouched.
    const wrongIdem = randomUUID();
    const denied = await h.call('POST', '/v1/accounts', { creds: { ...org.creds, secretKey: narrow.pair.secretKey }, idem: wrongIdem, body: { name: 'x' } });
    expect(denied.status).toBe(401);
    const real = await h.call('POST', '/v1/accounts', { creds: org.creds, idem: wrongIdem, body: { name: 'real' } });
    expect(real.status).toBe(201);
    expect(real.headers.get('idempotent-replayed')).toBeNull();
  });

  it('defect 12: duplicates sent while the first is mid-transaction get 400 REQUEST_IN_PROCESS, then the replay', async () => {
    const gated = gatedStore(h.store, (sql) => sql.startsWith('INSERT INTO api_keys'));
    const service = await startKeyService({ store: gated.store, now: h.clock.now, rateLimit: { maxFailures: 1000 } });
    try {
      const call = clientFor(service.url);
      const org = await h.org();
      const acct = await mintAccount(h, org.creds);
      const key = await mintKey(h, org.creds, { level: 'account', accountId: acct });
      const idem = randomUUID();
      const first = call('POST', `/v1/keys/${key.id}/roll`, { creds: org.creds, idem });
      await gated.reached;
      const duplicates = await Promise.all(Array.from({ length: 7 }, () => call('POST', `/v1/keys/${key.id}/roll`, { creds: org.creds, idem })));
      for (const res of duplicates) {
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('REQUEST_IN_PROCESS');
      }
      // On another route the same key is a reuse, whether the first is still running or done.
      const elsewhere = call('DELETE', `/v1/keys/${key.id}`, { creds: org.creds, idem });
      gated.release();
      const done = await first;
      expect(done.status).toBe(200);
      expect((await elsewhere).status).toBe(422);
      expect(await statusOf(h, org.creds, key.id)).toBe('rolled');
      const replay = await call('POST', `/v1/keys/${key.id}/roll`, { creds: org.creds, idem });
      expect(replay.headers.get('idempotent-replayed')).toBe('true');
      expect(replay.body).toEqual(done.body);
      const successors = await h.store.db.query<{ n: number }>('SELECT count(*)::int AS n FROM api_keys WHERE id = $1 AND replaced_by IS NOT NULL', [key.id]);
      expect(successors[0].n).toBe(1);
    } finally {
      gated.release();
      await service.close();
    }
  }, 15_000);
});
