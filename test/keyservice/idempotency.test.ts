import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startKeyService } from '../../src/keyservice/server.js';
import { backends, clientFor, harnessFor, faultyStore, gatedStore, pairOf, type Pair } from './helpers.js';

describe.each(backends('idem'))('X-Idempotency-Key ($name)', (backend) => {
  const h = harnessFor(backend);

  async function freshKey(creds: Pair) {
    const res = await h.call('POST', '/v1/keys', { creds, body: { level: 'organization', mode: 'live' } });
    return res.body as { id: string; publicKey: string; secretKey: string };
  }
  const keyCount = async (creds: Pair) => (await h.call('GET', '/v1/keys', { creds })).body.data.length as number;

  it('refuses a key that is not a UUID with 400 INVALID_IDEMPOTENCY_KEY, and does nothing', async () => {
    const { creds } = await h.org();
    const key = await freshKey(creds);
    for (const bad of ['abc', '7bf41af5-70ae-4e79-9b28-a8fa75c3ac5', '7bf41af5-70ae-4e79-9b28-a8fa75c3ac53x']) {
      const res = await h.call('POST', `/v1/keys/${key.id}/roll`, { creds, idem: bad });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('INVALID_IDEMPOTENCY_KEY');
    }
    expect((await h.call('GET', `/v1/keys/${key.id}`, { creds })).body.status).toBe('active');
  });

  it('replays the first response (new secret included) without running the operation again', async () => {
    const { creds } = await h.org();
    const key = await freshKey(creds);
    const idem = randomUUID();
    const first = await h.call('POST', `/v1/keys/${key.id}/roll`, { creds, idem });
    expect(first.status).toBe(200);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const before = await keyCount(creds);
    const again = await h.call('POST', `/v1/keys/${key.id}/roll`, { creds, idem });
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    expect(again.body.secretKey).toBe(first.body.secretKey);
    expect(await keyCount(creds)).toBe(before);
    // Upper-case spelling of the same UUID is the same key.
    expect((await h.call('POST', `/v1/keys/${key.id}/roll`, { creds, idem: idem.toUpperCase() })).body).toEqual(first.body);
  });

  it('same key, different body: only the first is processed, the repeat gets the first response', async () => {
    const { creds } = await h.org();
    const idem = randomUUID();
    const first = await h.call('POST', '/v1/accounts', { creds, idem, body: { name: 'first' } });
    const second = await h.call('POST', '/v1/accounts', { creds, idem, body: { name: 'second' } });
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    const list = await h.call('GET', '/v1/accounts', { creds });
    expect(list.body.data.map((a: any) => a.name)).toEqual(['first']);
  });

  it('stores a refusal other than 400/500 too; the key used for another target is refused as reused', async () => {
    const { creds } = await h.org();
    const rolled = await freshKey(creds);
    await h.call('POST', `/v1/keys/${rolled.id}/roll`, { creds });
    const active = await freshKey(creds);
    const idem = randomUUID();
    const first = await h.call('POST', `/v1/keys/${rolled.id}/roll`, { creds, idem });
    expect(first.status).toBe(409);
    const repeat = await h.call('POST', `/v1/keys/${rolled.id}/roll`, { creds, idem });
    expect(repeat.status).toBe(409);
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');
    expect(repeat.body).toEqual(first.body);
    const other = await h.call('POST', `/v1/keys/${active.id}/roll`, { creds, idem });
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await h.call('GET', `/v1/keys/${active.id}`, { creds })).body.status).toBe('active');
  });

  it('does not store a 400: the caller fixes the request and resends it with the same key', async () => {
    const { creds } = await h.org();
    const idem = randomUUID();
    const schemaError = await h.call('POST', '/v1/keys', { creds, idem, body: { level: 'organization', mode: 'live', bogus: 1 } });
    expect(schemaError.status).toBe(400);
    const handlerError = await h.call('POST', '/v1/keys', { creds, idem, body: { level: 'organization', mode: 'live', expiresAt: '2000-01-01T00:00:00Z' } });
    expect(handlerError.status).toBe(400);
    expect(handlerError.body.code).toBe('VALIDATION_FAILED');
    const fixed = await h.call('POST', '/v1/keys', { creds, idem, body: { level: 'organization', mode: 'live', name: 'fixed' } });
    expect(fixed.status).toBe(201);
    expect(fixed.body.name).toBe('fixed');
  });

  it('scopes keys per credential: the same UUID from two callers runs twice', async () => {
    const a = await h.org();
    const b = await h.org();
    const idem = randomUUID();
    const ra = await h.call('POST', '/v1/accounts', { creds: a.creds, idem, body: { name: 'a' } });
    const rb = await h.call('POST', '/v1/accounts', { creds: b.creds, idem, body: { name: 'b' } });
    expect(ra.status).toBe(201);
    expect(rb.status).toBe(201);
    expect(rb.body.id).not.toBe(ra.body.id);
    expect(rb.body.organizationId).toBe(b.organization.id);
  });

  it('keeps a response for 24 hours, then forgets it', async () => {
    const { creds } = await h.org();
    const idem = randomUUID();
    const first = await h.call('POST', '/v1/accounts', { creds, idem, body: { name: 'day one' } });
    h.clock.advance(24 * 3_600_000 - 1);
    expect((await h.call('POST', '/v1/accounts', { creds, idem, body: { name: 'day one' } })).body.id).toBe(first.body.id);
    h.clock.advance(1);
    const later = await h.call('POST', '/v1/accounts', { creds, idem, body: { name: 'day two' } });
    expect(later.status).toBe(201);
    expect(later.body.id).not.toBe(first.body.id);
  });

  it('under truly concurrent duplicates, exactly one performs the roll; the others get REQUEST_IN_PROCESS or the replay', async () => {
    const { creds } = await h.org();
    const key = await freshKey(creds);
    const idem = randomUUID();
    const results = await Promise.all(Array.from({ length: 12 }, () => h.call('POST', `/v1/keys/${key.id}/roll`, { creds, idem })));
    const ok = results.filter((r) => r.status === 200);
    const busy = results.filter((r) => r.status === 400);
    expect(ok.length + busy.length).toBe(12);
    expect(ok.length).toBeGreaterThanOrEqual(1);
    expect(new Set(ok.map((r) => r.body.id)).size).toBe(1);
    for (const r of busy) expect(r.body.code).toBe('REQUEST_IN_PROCESS');
    console.info(`concurrent rolls: ${ok.length} × 200 (1 performed, rest replayed), ${busy.length} × REQUEST_IN_PROCESS`);
    const rows = await h.store.db.query<{ n: number }>('SELECT count(*)::int AS n FROM api_keys WHERE replaced_by IS NOT NULL AND id = $1', [key.id]);
    expect(rows[0].n).toBe(1);
    expect((await h.call('GET', '/v1/keys', { creds })).body.data).toHaveLength(3);
  });

  it('concurrent leak reports with one key roll the leaked key once', async () => {
    const reporter = await h.org();
    const victim = await h.org();
    const leaked = await freshKey(victim.creds);
    const { createHash } = await import('node:crypto');
    const tokenHash = createHash('sha256').update(leaked.secretKey).digest('hex');
    const idem = randomUUID();
    const results = await Promise.all(
      Array.from({ length: 10 }, () => h.call('POST', '/v1/leaks', { creds: reporter.creds, idem, body: { tokenHash, sourceUrl: 'u', description: 'd' } })),
    );
    const labels = results.filter((r) => r.status === 200).map((r) => r.body.label);
    expect(labels.length).toBeGreaterThanOrEqual(1);
    expect(new Set(labels)).toEqual(new Set(['rolled']));
    for (const r of results.filter((x) => x.status !== 200)) expect(r.body.code).toBe('REQUEST_IN_PROCESS');
    const rolls = await h.store.db.query<{ n: number }>("SELECT count(*)::int AS n FROM leak_incidents WHERE token_sha256 = $1 AND label = 'rolled'", [tokenHash]);
    expect(rolls[0].n).toBe(1);
  });

  it('without an idempotency key, concurrent rolls of one key still roll it once (row lock)', async () => {
    const { creds } = await h.org();
    const key = await freshKey(creds);
    const results = await Promise.all(Array.from({ length: 8 }, () => h.call('POST', `/v1/keys/${key.id}/roll`, { creds })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    for (const r of results.filter((x) => x.status !== 200)) expect(r.body.code).toBe('KEY_ALREADY_ROLLED');
  });

  it('a request stuck in process (crashed before committing) blocks its key only until it goes stale', async () => {
    const { creds, key } = await h.org();
    const idem = randomUUID();
    await h.store.db.query(
      `INSERT INTO idempotency_records (credential_id, idempotency_key, attempt_id, state, method, path, created_at, expires_at)
       VALUES ($1, $2, 'crashed', 'in_process', 'POST', '/v1/accounts', $3, $4)`,
      [key.id, idem, h.clock.now(), new Date(h.clock.t + 86_400_000)],
    );
    const blocked = await h.call('POST', '/v1/accounts', { creds, idem, body: { name: 'x' } });
    expect(blocked.status).toBe(400);
    expect(blocked.body.code).toBe('REQUEST_IN_PROCESS');
    h.clock.advance(60_001);
    expect((await h.call('POST', '/v1/accounts', { creds, idem, body: { name: 'x' } })).status).toBe(201);
  });

  // PGlite runs one transaction at a time; the in-process registry still refuses the duplicate.
  it('answers 400 REQUEST_IN_PROCESS while the first request is mid-transaction', async () => {
    const gated = gatedStore(h.store, (sql) => sql.startsWith('INSERT INTO api_keys'));
    const service = await startKeyService({ store: gated.store, now: h.clock.now, rateLimit: { maxFailures: 1000 } });
    try {
      const call = clientFor(service.url);
      const { creds } = await h.org();
      const key = await freshKey(creds);
      const idem = randomUUID();
      const first = call('POST', `/v1/keys/${key.id}/roll`, { creds, idem });
      await gated.reached;
      const duplicate = await call('POST', `/v1/keys/${key.id}/roll`, { creds, idem });
      expect(duplicate.status).toBe(400);
      expect(duplicate.body.code).toBe('REQUEST_IN_PROCESS');
      gated.release();
      const done = await first;
      expect(done.status).toBe(200);
      const replay = await call('POST', `/v1/keys/${key.id}/roll`, { creds, idem });
      expect(replay.body).toEqual(done.body);
    } finally {
      gated.release();
      await service.close();
    }
  });

  describe('with injected database failures', () => {
    it('does not store a 500, and a roll never commits without its idempotency record', async () => {
      const faulty = faultyStore(h.store, (sql) => sql.includes("SET state = 'completed'"));
      const service = await startKeyService({ store: faulty.store, now: h.clock.now, rateLimit: { maxFailures: 1000 } });
      try {
        const call = clientFor(service.url);
        const { creds } = await h.org();
        const key = await freshKey(creds);
        const idem = randomUUID();
        faulty.state.armed = true;
        const failed = await call('POST', `/v1/keys/${key.id}/roll`, { creds, idem });
        expect(failed.status).toBe(500);
        expect(failed.body).toEqual({ code: 'INTERNAL_ERROR', message: expect.any(String) });
        expect(JSON.stringify(failed.body)).not.toMatch(/injected|at .*\.ts/);
        // The roll was rolled back together with its record.
        expect((await call('GET', `/v1/keys/${key.id}`, { creds })).body.status).toBe('active');
        faulty.state.armed = false;
        const retried = await call('POST', `/v1/keys/${key.id}/roll`, { creds, idem });
        expect(retried.status).toBe(200);
        expect(retried.headers.get('idempotent-replayed')).toBeNull();
        expect(pairOf(retried.body).secretKey).toMatch(/^kwsk_live_/);
      } finally {
        await service.close();
      }
    });
  });
});
