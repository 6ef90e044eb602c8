// Concurrency and crash safety of the key service, on both backends: parallel creates and
// rolls give exactly one successor per rolled key, a roll racing a delete leaves a
// consistent key, and a kill -9 between the idempotency claim and the roll's commit never
// rolls twice.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createOrganizationWithKey } from '../../src/keyservice/bootstrap.js';
import { openKeyStore, type KeyStore } from '../../src/keyservice/keyStore.js';
import { startKeyService } from '../../src/keyservice/server.js';
import { backends, clientFor, dropSchema, findPostgresUrl, harnessFor, type Pair } from './helpers.js';

const CHILD = join(import.meta.dirname, 'support/crashingKeyService.ts');

describe.each(backends('conc'))('concurrency ($name)', (backend) => {
  const h = harnessFor(backend);

  async function keysOf(creds: Pair, n: number): Promise<string[]> {
    const created = await Promise.all(Array.from({ length: n }, (_, i) => h.call('POST', '/v1/keys', { creds, body: { level: 'organization', mode: 'live', name: `k${i}` } })));
    expect(created.map((r) => r.status)).toEqual(Array(n).fill(201));
    return created.map((r) => r.body.id);
  }

  it('200 parallel creates give 200 distinct keys', async () => {
    const { creds } = await h.org();
    const ids = await keysOf(creds, 200);
    expect(new Set(ids).size).toBe(200);
    expect((await h.call('GET', '/v1/keys', { creds })).body.data).toHaveLength(201);
  }, 180_000);

  it('600 parallel rolls (3 per key, two of them sharing an idempotency key) give exactly one successor per key', async () => {
    const { creds } = await h.org();
    const ids = await keysOf(creds, 200);
    const rolls = ids.flatMap((id) => {
      const idem = randomUUID();
      return [h.call('POST', `/v1/keys/${id}/roll`, { creds }), h.call('POST', `/v1/keys/${id}/roll`, { creds, idem }), h.call('POST', `/v1/keys/${id}/roll`, { creds, idem })];
    });
    const results = await Promise.all(rolls);
    const performed = results.filter((r) => r.status === 200 && r.headers.get('idempotent-replayed') === null);
    expect(performed).toHaveLength(200);
    for (const r of results) expect([200, 400, 409]).toContain(r.status);
    for (const r of results.filter((x) => x.status === 400)) expect(r.body.code).toBe('REQUEST_IN_PROCESS');
    for (const r of results.filter((x) => x.status === 409)) expect(r.body.code).toBe('KEY_ALREADY_ROLLED');
    const rows = await h.store.db.query<{ replaced_by: string | null }>('SELECT replaced_by FROM api_keys WHERE id = ANY($1)', [ids]);
    expect(rows.filter((r) => r.replaced_by !== null)).toHaveLength(200);
    expect(new Set(rows.map((r) => r.replaced_by)).size).toBe(200);
    expect((await h.call('GET', '/v1/keys', { creds })).body.data).toHaveLength(401);
    const counts: Record<string, number> = {};
    for (const r of results) counts[`${r.status}${r.headers.get('idempotent-replayed') ? ' replayed' : ''}`] = (counts[`${r.status}${r.headers.get('idempotent-replayed') ? ' replayed' : ''}`] ?? 0) + 1;
    console.info(`600 rolls on ${backend.name}: ${JSON.stringify(counts)}`);
  }, 180_000);

  it('a roll racing a delete of the same key: never a successor for a key deleted before it was rolled', async () => {
    const { creds } = await h.org();
    const ids = await keysOf(creds, 40);
    const raced = await Promise.all(ids.map(async (id) => {
      const [roll, del] = await Promise.all([h.call('POST', `/v1/keys/${id}/roll`, { creds }), h.call('DELETE', `/v1/keys/${id}`, { creds })]);
      return { id, roll, del };
    }));
    for (const { id, roll, del } of raced) {
      expect(del.status).toBe(200);
      const row = (await h.store.db.query<{ status: string; replaced_by: string | null; rolled_at: Date | null; revoked_at: Date }>('SELECT status, replaced_by, rolled_at, revoked_at FROM api_keys WHERE id = $1', [id]))[0];
      expect(row.status).toBe('revoked');
      if (roll.status === 200) {
        // Rolled first, deleted during its grace: the successor lives on.
        expect(row.replaced_by).toBe(roll.body.id);
        expect((await h.call('GET', `/v1/keys/${roll.body.id}`, { creds })).body.status).toBe('active');
      } else {
        expect(roll.status).toBe(409);
        expect(roll.body.code).toBe('KEY_REVOKED');
        expect(row.replaced_by).toBeNull();
      }
    }
  }, 120_000);
});

describe.each(['postgres', 'pglite'] as const)('kill -9 between the idempotency claim and the roll commit (%s)', (name) => {
  it('never rolls twice: the retry waits out the stale claim, then rolls once', async () => {
    const pepper = randomUUID() + randomUUID();
    const dataDir = mkdtempSync(join(tmpdir(), 'keywarden-ks-crash-'));
    const schema = `ks_crash_${process.pid}_${randomUUID().slice(0, 6)}`;
    const pgUrl = name === 'postgres' ? await findPostgresUrl() : '';
    const openStore = (): Promise<KeyStore> =>
      name === 'pglite' ? openKeyStore({ dataDir, pepper }) : openKeyStore({ databaseUrl: pgUrl, schema, pepper });
    try {
      let store = await openStore();
      const org = await createOrganizationWithKey(store, { name: 'crash' });
      const creds = { publicKey: org.key.publicKey, secretKey: org.key.secretKey };
      if (name === 'pglite') await store.close();

      const child = spawn(process.execPath, ['--import', 'tsx', CHILD], {
        env: { ...process.env, KEYSERVICE_PEPPER: pepper, ...(name === 'pglite' ? { KS_DATA_DIR: dataDir } : { KS_DATABASE_URL: pgUrl, KS_SCHEMA: schema }) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      const seen = (marker: RegExp) =>
        new Promise<RegExpExecArray>((resolve, reject) => {
          const check = () => {
            const m = marker.exec(out);
            if (m) resolve(m);
          };
          child.stdout.on('data', (d) => {
            out += d;
            check();
          });
          child.on('exit', () => reject(new Error(`child exited: ${err}`)));
          check();
        });
      const url = (await seen(/URL (\S+)/))[1];
      const call = clientFor(url);
      const made = await call('POST', '/v1/keys', { creds, body: { level: 'organization', mode: 'live' } });
      expect(made.status).toBe(201);
      const idem = randomUUID();
      const inFlight = call('POST', `/v1/keys/${made.body.id}/roll`, { creds, idem }).catch((e: Error) => e);
      await seen(/GATED/);
      child.kill('SIGKILL');
      expect(await inFlight).toBeInstanceOf(Error);
      if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once('exit', resolve));

      if (name === 'pglite') store = await openStore();
      const claimed = await store.db.query<{ state: string; created_at: Date }>('SELECT state, created_at FROM idempotency_records WHERE idempotency_key = $1', [idem]);
      expect(claimed.map((r) => r.state)).toEqual(['in_process']);
      const successors = async () => (await store.db.query<{ n: number }>('SELECT count(*)::int AS n FROM api_keys WHERE id = $1 AND replaced_by IS NOT NULL', [made.body.id]))[0].n;
      expect(await successors()).toBe(0);

      let now = new Date(claimed[0].created_at.getTime() + 1_000);
      const service = await startKeyService({ store, now: () => now, rateLimit: { maxFailures: 1000 } });
      try {
        const again = clientFor(service.url);
        const early = await again('POST', `/v1/keys/${made.body.id}/roll`, { creds, idem });
        expect(early.status).toBe(400);
        expect(early.body.code).toBe('REQUEST_IN_PROCESS');
        now = new Date(claimed[0].created_at.getTime() + 61_000);
        const retried = await again('POST', `/v1/keys/${made.body.id}/roll`, { creds, idem });
        expect(retried.status).toBe(200);
        expect(retried.headers.get('idempotent-replayed')).toBeNull();
        const replay = await again('POST', `/v1/keys/${made.body.id}/roll`, { creds, idem });
        expect(replay.headers.get('idempotent-replayed')).toBe('true');
        expect(replay.body).toEqual(retried.body);
        expect(await successors()).toBe(1);
      } finally {
        await service.close();
        await store.close();
      }
    } finally {
      if (name === 'postgres') await dropSchema(pgUrl, schema);
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
