// Matches whose token is no key of ours (almost all of a large GitHub batch: look-alikes,
// test fixtures, revoked strangers' tokens) are recorded in one transaction per batch instead
// of two per match. On a loaded machine the per-match path costs ~10 ms a match on PGlite,
// so 1,000 unknown tokens took 8-45 s against GitHub's 30 s request timeout; this takes a few
// statements. The rules are the leak-report path's: the incident and its idempotency record
// (same key, same stored response, same 24 h) commit together, and a record that exists
// already (a redelivery) means the match is left alone.
import { randomUUID } from 'node:crypto';
import type { Database } from '../database.js';
import { IDEMPOTENCY_TTL_MS } from '../idempotency.js';

export interface UnknownMatch {
  idempotencyKey: string;
  tokenHash: string;
  sourceUrl: string;
  source: string;
  description: string;
}

export interface UnknownScope {
  db: Database;
  credentialId: string;
  path: string;
  now: Date;
}

/** Hashes among `hashes` that belong to a key (public or secret, any state). */
export async function knownHashes(db: Database, hashes: string[]): Promise<Set<string>> {
  const rows = await db.query<{ secret_sha256: string; public_key_sha256: string }>(
    'SELECT secret_sha256, public_key_sha256 FROM api_keys WHERE secret_sha256 = ANY($1::text[]) OR public_key_sha256 = ANY($1::text[])',
    [hashes],
  );
  const known = new Set<string>();
  for (const r of rows) known.add(r.secret_sha256).add(r.public_key_sha256);
  return known;
}

export async function recordUnknownMatches(scope: UnknownScope, matches: UnknownMatch[]): Promise<void> {
  if (matches.length === 0) return;
  const { now } = scope;
  const incidentIds = matches.map(() => `inc_${randomUUID()}`);
  const bodies = matches.map((m, i) => JSON.stringify({ incidentId: incidentIds[i], label: 'unknown', tokenHash: m.tokenHash }));
  const keys = matches.map((m) => m.idempotencyKey);
  await scope.db.transaction(async (tx) => {
    await tx.query(
      `DELETE FROM idempotency_records WHERE credential_id = $1 AND idempotency_key = ANY($2::uuid[]) AND state = 'completed' AND expires_at <= $3`,
      [scope.credentialId, keys, now],
    );
    const claimed = await tx.query<{ idempotency_key: string }>(
      `INSERT INTO idempotency_records (credential_id, idempotency_key, attempt_id, state, method, path, response_status, response_body, created_at, expires_at)
       SELECT $1, t.k, $2, 'completed', 'POST', $3, 200, t.b::jsonb, $4, $5 FROM unnest($6::uuid[], $7::text[]) AS t(k, b)
       ON CONFLICT DO NOTHING RETURNING idempotency_key`,
      [scope.credentialId, randomUUID(), scope.path, now, new Date(now.getTime() + IDEMPOTENCY_TTL_MS), keys, bodies],
    );
    const fresh = new Set(claimed.map((r) => String(r.idempotency_key).toLowerCase()));
    const rows = matches.map((m, i) => ({ m, id: incidentIds[i] })).filter(({ m }) => fresh.has(m.idempotencyKey));
    if (rows.length === 0) return;
    await tx.query(
      `INSERT INTO leak_incidents (id, token_sha256, source_url, source, description, label, created_at, reported_by)
       SELECT t.id, t.h, t.u, t.s, t.d, 'unknown', $1, 'github' FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[]) AS t(id, h, u, s, d)`,
      [now, rows.map((r) => r.id), rows.map((r) => r.m.tokenHash), rows.map((r) => r.m.sourceUrl), rows.map((r) => r.m.source), rows.map((r) => r.m.description)],
    );
  });
}
