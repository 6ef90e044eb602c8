import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bootstrap } from '../../src/keyservice/bootstrap.js';
import { openKeyStore } from '../../src/keyservice/keyStore.js';
import { migrate, MIGRATIONS } from '../../src/keyservice/migrations.js';
import { startKeyService } from '../../src/keyservice/server.js';
import { backends, clientFor, harnessFor, pairOf } from './helpers.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe.each(backends('storage'))('storage ($name)', (backend) => {
  const h = harnessFor(backend);

  it('holds no raw secret in any column, only HMAC and SHA-256, even for replayable responses', async () => {
    const org = await h.org();
    const secrets = [org.creds.secretKey];
    const created = await h.call('POST', '/v1/keys', { creds: org.creds, idem: randomUUID(), body: { level: 'organization', mode: 'live', name: 'x' } });
    secrets.push(created.body.secretKey);
    const rollIdem = randomUUID();
    const rolled = await h.call('POST', `/v1/keys/${created.body.id}/roll`, { creds: org.creds, idem: rollIdem });
    secrets.push(rolled.body.secretKey);
    const replay = await h.call('POST', `/v1/keys/${created.body.id}/roll`, { creds: org.creds, idem: rollIdem });
    expect(replay.body.secretKey).toBe(rolled.body.secretKey);
    await h.call('POST', '/v1/leaks', { creds: org.creds, idem: randomUUID(), body: { tokenHash: sha(rolled.body.secretKey), sourceUrl: 'u', description: 'd' } });
    await h.call('POST', '/v1/keys/verify', { creds: org.creds, body: { token: rolled.body.secretKey } });

    const columns = await h.store.db.query<{ table_name: string; column_name: string }>(
      `SELECT table_name, column_name FROM information_schema.columns
        WHERE table_schema = current_schema() AND data_type IN ('text', 'jsonb', 'ARRAY', 'character varying', 'uuid')`,
    );
    expect(columns.length).toBeGreaterThan(20);
    let cells = 0;
    for (const { table_name, column_name } of columns) {
      const rows = await h.store.db.query<{ v: string | null }>(`SELECT "${column_name}"::text AS v FROM "${table_name}"`);
      for (const { v } of rows) {
        if (v === null) continue;
        cells++;
        for (const secret of secrets) {
          expect(v.includes(secret), `${table_name}.${column_name} holds a raw secret`).toBe(false);
          // Not even the random part alone.
          expect(v.includes(secret.slice(10, 40))).toBe(false);
        }
      }
    }
    expect(cells).toBeGreaterThan(50);
    const row = (await h.store.db.query<{ secret_hmac: string; secret_sha256: string }>('SELECT secret_hmac, secret_sha256 FROM api_keys WHERE id = $1', [created.body.id]))[0];
    expect(row.secret_sha256).toBe(sha(created.body.secretKey));
    expect(row.secret_hmac).not.toBe(sha(created.body.secretKey));
    expect(row.secret_hmac).toMatch(/^[0-9a-f]{64}$/);
  });

  it('applies migrations once', async () => {
    expect(await migrate(h.store.db)).toEqual([]);
    const rows = await h.store.db.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(rows.map((r) => r.version)).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('never logs a secret or the private-secret-key header', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const service = await startKeyService({ store: h.store, now: h.clock.now, logger: { level: 'trace', stream } });
    try {
      const call = clientFor(service.url);
      const org = await h.org();
      const created = await call('POST', '/v1/keys', { creds: org.creds, body: { level: 'organization', mode: 'live' } });
      await call('POST', '/v1/keys/verify', { creds: pairOf(created.body), body: { token: created.body.secretKey } });
      await call('GET', '/v1/keys', { creds: { publicKey: org.creds.publicKey, secretKey: created.body.secretKey } });
      const log = lines.join('');
      expect(log.length).toBeGreaterThan(0);
      expect(log).toContain('/v1/keys');
      for (const secret of [org.creds.secretKey, created.body.secretKey]) expect(log).not.toContain(secret);
    } finally {
      await service.close();
    }
  });
});

describe('embedded store and bootstrap', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'keywarden-ks-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps data and a generated 0600 pepper in the data dir, and bootstraps only once', async () => {
    const saved = process.env.KEYSERVICE_PEPPER;
    delete process.env.KEYSERVICE_PEPPER;
    try {
      const store = await openKeyStore({ dataDir: dir });
      const first = await bootstrap(store, { mode: 'test' });
      expect(first.key.secretKey.startsWith('kwsk_test_')).toBe(true);
      await expect(bootstrap(store)).rejects.toMatchObject({ code: 'ALREADY_BOOTSTRAPPED' });
      // PGlite is single-process: a second opener is refused while the first holds the directory.
      await expect(openKeyStore({ dataDir: dir })).rejects.toMatchObject({ code: 'DATA_DIR_IN_USE' });
      await store.close();
      expect(statSync(join(dir, 'pepper')).mode & 0o777).toBe(0o600);

      const reopened = await openKeyStore({ dataDir: dir });
      expect(reopened.pepper.equals(store.pepper)).toBe(true);
      const service = await startKeyService({ store: reopened });
      try {
        const res = await clientFor(service.url)('GET', '/v1/keys', { creds: pairOf(first.key) });
        expect(res.status).toBe(200);
        expect(res.body.data).toHaveLength(1);
      } finally {
        await service.close();
        await reopened.close();
      }
    } finally {
      if (saved !== undefined) process.env.KEYSERVICE_PEPPER = saved;
    }
  });

  it('refuses PostgreSQL without a pepper unless told it is a development setup', async () => {
    const saved = process.env.KEYSERVICE_PEPPER;
    delete process.env.KEYSERVICE_PEPPER;
    try {
      await expect(openKeyStore({ databaseUrl: 'postgres://nobody@127.0.0.1:1/none' })).rejects.toMatchObject({ code: 'PEPPER_REQUIRED' });
      await expect(openKeyStore({ memory: true, pepper: 'short' })).rejects.toMatchObject({ code: 'PEPPER_REQUIRED' });
    } finally {
      if (saved !== undefined) process.env.KEYSERVICE_PEPPER = saved;
    }
  });
});
