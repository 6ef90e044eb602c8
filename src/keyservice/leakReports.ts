// Leak reports and token verification: both find a key by the SHA-256 of a token, which is
// all the scanner ever sends. They are platform-wide (not limited to the caller's
// organization): knowing the SHA-256 of a 178-bit random token means having seen the token.
import { randomUUID } from 'node:crypto';
import type { Sql } from './database.js';
import { KeyServiceError, validationFailed } from './errors.js';
import { sha256Hex, SHA256_HEX } from './hashing.js';
import { hasFullOrganizationReach, reachesAllOf } from './access.js';
import { parseToken } from '../keyformat/keyFormat.js';
import { statusAt, type KeyRow } from './keyModel.js';
import { revokeLockedKey, rollLockedKey, type Outcome } from './keyOperations.js';
import { enqueueIncidentCreated } from './webhooks/outbox.js';
import type { LeakReportRequest } from './contract.js';

type FoundKey = KeyRow & { kind: 'public' | 'secret' };

async function findByTokenHash(sql: Sql, hash: string, forUpdate: boolean): Promise<FoundKey | null> {
  const rows = await sql.query<FoundKey>(
    `SELECT *, CASE WHEN secret_sha256 = $1 THEN 'secret' ELSE 'public' END AS kind
       FROM api_keys WHERE secret_sha256 = $1 OR public_key_sha256 = $1${forUpdate ? ' FOR UPDATE' : ''}`,
    [hash],
  );
  return rows[0] ?? null;
}

/** A test key never touches live data; a live reporter may act on test keys too. */
function requireModeReach(caller: KeyRow, key: KeyRow): void {
  if (caller.mode === 'test' && key.mode === 'live') {
    throw new KeyServiceError(403, 'MODE_MISMATCH', 'A test key cannot look up or act on live keys; use a live key.');
  }
}

/**
 * Who a key belongs to is shown to keys of its organization that reach its accounts, and to
 * organization-wide leak reporters (the rotation bot), which act across organizations.
 */
const canSeeOwner = (caller: KeyRow, key: KeyRow): boolean =>
  (key.organization_id === caller.organization_id && reachesAllOf(caller, key)) ||
  (hasFullOrganizationReach(caller) && (caller.products?.includes('leak-reports') ?? false));

export async function verifyToken(sql: Sql, caller: KeyRow, body: { token?: string; tokenHash?: string }, now: Date): Promise<Outcome> {
  if ((body.token === undefined) === (body.tokenHash === undefined)) throw validationFailed('Send exactly one of token or tokenHash.');
  let hash: string;
  if (body.token !== undefined) {
    if (!parseToken(body.token)) return { status: 200, body: { known: false, wellFormed: false } };
    hash = sha256Hex(body.token);
  } else {
    hash = body.tokenHash!.toLowerCase();
  }
  const key = await findByTokenHash(sql, hash, false);
  if (!key) return { status: 200, body: { known: false } };
  requireModeReach(caller, key);
  const status = statusAt(key, now);
  const out: Record<string, unknown> = {
    known: true,
    kind: key.kind,
    mode: key.mode,
    level: key.level,
    status: status === 'rolled' ? 'grace' : status,
  };
  if (status === 'rolled' && key.grace_until) out.graceUntil = key.grace_until.toISOString();
  if (status === 'expired' && key.expires_at) out.expiresAt = key.expires_at.toISOString();
  if (canSeeOwner(caller, key)) {
    out.keyId = key.id;
    out.name = key.name;
    out.organizationId = key.organization_id;
    out.accountId = key.account_id;
    if (key.rolled_at) out.rolledAt = key.rolled_at.toISOString();
    if (key.replaced_by) out.replacedBy = key.replaced_by;
  }
  return { status: 200, body: out };
}

export type LeakLabel = 'rolled' | 'already_rolled' | 'revoked' | 'revoked_now' | 'expired' | 'public' | 'unknown';

/** Who reported a leak, and what an active secret gets for it. */
export interface Reporter {
  /** The reporting key; null for GitHub's secret-scanning partner requests. */
  key: KeyRow | null;
  /** Recorded as the incident's reportedBy: the key id, or 'github'. */
  reportedBy: string;
  /**
   * `roll`: what a leak report does. `github`: the owner organization's githubPartnerPolicy,
   * `revoke` (the token is public, so it ends at once, grace or not) or `roll`.
   */
  policy: 'roll' | 'revoke' | 'github';
}

export interface LeakFacts {
  /** SHA-256 hex of the token, lowercase. */
  tokenHash: string;
  sourceUrl: string;
  description: string;
  /** Where GitHub found it (content, commit, npm…); null for leak reports. */
  source: string | null;
}

/**
 * Acts on a leaked token: an active secret is rolled (its replacement's secret is never
 * shown to the reporter; the owner rolls the replacement to get a usable pair). A report
 * of the caller's own secret rolls it like any other: the current request still completes
 * and the caller's old secret works until the grace period ends.
 */
export async function reportLeak(tx: Sql, pepper: Buffer, caller: KeyRow, body: LeakReportRequest, now: Date, graceSeconds: number): Promise<Outcome> {
  const hash = body.tokenHash.toLowerCase();
  if (!SHA256_HEX.test(hash)) throw validationFailed('tokenHash must be the SHA-256 of the token, as 64 hex characters.');
  // `action: revoke`: the reporter saw the key in public (a public repository), where a grace
  // period only gives whoever harvested it time to use it.
  const reporter: Reporter = { key: caller, reportedBy: caller.id, policy: body.action === 'revoke' ? 'revoke' : 'roll' };
  return recordLeak(tx, pepper, reporter, { tokenHash: hash, sourceUrl: body.sourceUrl, description: body.description, source: null }, now, graceSeconds);
}

/**
 * The one path for every leak, whoever reports it: finds the key (locked), acts on it,
 * records the incident and queues its webhook deliveries, all in the caller's transaction.
 */
export async function recordLeak(tx: Sql, pepper: Buffer, reporter: Reporter, facts: LeakFacts, now: Date, graceSeconds: number): Promise<Outcome> {
  const hash = facts.tokenHash;
  const key = await findByTokenHash(tx, hash, true);
  if (key && reporter.key) requireModeReach(reporter.key, key);
  let label: LeakLabel = 'unknown';
  const out: Record<string, unknown> = {};
  let newKeyId: string | null = null;
  let stopsAt: Date | null = null;
  if (key) {
    Object.assign(out, { keyId: key.id, name: key.name, organizationId: key.organization_id, accountId: key.account_id, mode: key.mode, kind: key.kind });
    const status = statusAt(key, now);
    const action = key.kind === 'secret' && (status === 'active' || status === 'rolled') ? await actionFor(tx, reporter, key) : 'roll';
    if (key.kind === 'public') {
      label = 'public';
    } else if (action === 'revoke' && (status === 'active' || status === 'rolled')) {
      await revokeLockedKey(tx, key, now);
      label = 'revoked_now';
      stopsAt = now;
      newKeyId = key.replaced_by;
      Object.assign(out, { newKeyId, revokedAt: now.toISOString() });
    } else if (status === 'active') {
      const rolled = await rollLockedKey(tx, pepper, key, now, graceSeconds, reporter.key?.id ?? null, false);
      label = 'rolled';
      newKeyId = rolled.issued.row.id;
      stopsAt = rolled.previousExpiresAt;
      Object.assign(out, { newKeyId, rolledAt: now.toISOString(), previousExpiresAt: rolled.previousExpiresAt.toISOString() });
    } else if (status === 'rolled') {
      label = 'already_rolled';
      newKeyId = key.replaced_by;
      stopsAt = key.grace_until;
      Object.assign(out, {
        newKeyId,
        rolledAt: key.rolled_at?.toISOString(),
        graceUntil: key.grace_until?.toISOString(),
        previousExpiresAt: key.grace_until?.toISOString(),
      });
    } else if (status === 'revoked') {
      label = 'revoked';
      out.revokedAt = key.revoked_at?.toISOString();
    } else {
      label = 'expired';
      out.expiredAt = (key.status === 'rolled' ? key.grace_until : key.expires_at)?.toISOString();
    }
  }
  if (key && reporter.key && !canSeeOwner(reporter.key, key)) {
    for (const field of ['keyId', 'name', 'organizationId', 'accountId', 'newKeyId']) delete out[field];
  }
  if (stopsAt) out.keyStopsAt = stopsAt.toISOString();
  const incident: IncidentRow = {
    id: `inc_${randomUUID()}`,
    reporter_key_id: reporter.key?.id ?? null,
    reported_by: reporter.reportedBy,
    token_sha256: hash,
    source_url: facts.sourceUrl,
    source: facts.source,
    description: facts.description,
    label,
    key_id: key?.id ?? null,
    key_organization_id: key?.organization_id ?? null,
    key_mode: key?.mode ?? null,
    new_key_id: newKeyId,
    key_stops_at: stopsAt,
    created_at: now,
  };
  await tx.query(
    `INSERT INTO leak_incidents (id, reporter_key_id, reporter_organization_id, reporter_mode, token_sha256, source_url,
       description, label, key_id, key_organization_id, key_mode, new_key_id, created_at, reported_by, source, key_stops_at)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16)`,
    [incident.id, incident.reporter_key_id, reporter.key?.organization_id ?? null, reporter.key?.mode ?? null, hash, facts.sourceUrl,
      facts.description, label, incident.key_id, incident.key_organization_id, incident.key_mode, newKeyId, now,
      reporter.reportedBy, facts.source, stopsAt],
  );
  if (key) await enqueueIncidentCreated(tx, incidentView(incident), { organizationId: key.organization_id, mode: key.mode, secretPreview: key.kind === 'secret' ? key.secret_preview : null }, now);
  return { status: 200, body: { incidentId: incident.id, label, tokenHash: hash, ...out } };
}

async function actionFor(tx: Sql, reporter: Reporter, key: KeyRow): Promise<'roll' | 'revoke'> {
  if (reporter.policy !== 'github') return reporter.policy;
  const rows = await tx.query<{ github_partner_policy: 'roll' | 'revoke' }>('SELECT github_partner_policy FROM organizations WHERE id = $1', [key.organization_id]);
  return rows[0]?.github_partner_policy ?? 'revoke';
}

interface IncidentRow {
  id: string;
  reporter_key_id: string | null;
  reported_by: string | null;
  token_sha256: string;
  source_url: string;
  source: string | null;
  description: string;
  label: LeakLabel;
  key_id: string | null;
  key_organization_id: string | null;
  key_mode: string | null;
  new_key_id: string | null;
  key_stops_at: Date | null;
  created_at: Date;
}

/** An incident as GET /v1/leaks and the incident.created webhook show it. */
export function incidentView(r: IncidentRow) {
  return {
    id: r.id,
    label: r.label,
    tokenHash: r.token_sha256,
    sourceUrl: r.source_url,
    source: r.source,
    description: r.description,
    keyId: r.key_id,
    keyOrganizationId: r.key_organization_id,
    mode: r.key_mode,
    newKeyId: r.new_key_id,
    keyStopsAt: r.key_stops_at ? r.key_stops_at.toISOString() : null,
    reportedBy: r.reported_by ?? r.reporter_key_id ?? 'unknown',
    createdAt: r.created_at.toISOString(),
  };
}
export type IncidentView = ReturnType<typeof incidentView>;

/** Incidents the caller's organization reported, or that concern its keys, in its mode. */
/**
 * Incidents the caller's organization reported, or that concern its keys, in its mode. A key
 * scoped to some accounts sees only incidents about keys within them.
 */
export async function listIncidents(sql: Sql, caller: KeyRow): Promise<Outcome> {
  const found = await sql.query<IncidentRow & Pick<KeyRow, 'level' | 'account_id' | 'account_scope'>>(
    `SELECT i.*, k.level, k.account_id, k.account_scope FROM leak_incidents i LEFT JOIN api_keys k ON k.id = i.key_id
      WHERE (i.reporter_organization_id = $1 AND i.reporter_mode = $2)
         OR (i.key_organization_id = $1 AND i.key_mode = $2)
      ORDER BY i.created_at DESC, i.seq DESC LIMIT 1000`,
    [caller.organization_id, caller.mode],
  );
  const rows = hasFullOrganizationReach(caller)
    ? found
    : found.filter((r) => r.key_organization_id === caller.organization_id && r.level !== null && reachesAllOf(caller, r));
  return { status: 200, body: { object: 'list', data: rows.map(incidentView) } };
}
