// Keys as the service sees them: the stored row, its status at a given instant, the
// metadata view that list/get return, and the issuing of a fresh public/secret pair.
import { randomUUID } from 'node:crypto';
import { formatToken, type KeyMode } from '../keyformat/keyFormat.js';
import { hmacHex, redactToken, sha256Hex } from './hashing.js';
import type { Sql } from './database.js';

export type KeyLevel = 'organization' | 'account';
export type StoredStatus = 'active' | 'rolled' | 'revoked';
/** `rolled` means: replaced, and the old secret still works until graceUntil. */
export type KeyStatus = 'active' | 'rolled' | 'revoked' | 'expired';

/** Products a route belongs to; a customized key lists the ones it may use. */
export const PRODUCTS = ['keys', 'accounts', 'leak-reports', 'payments', 'subscriptions', 'installment-plans', 'webhooks'] as const;

export interface KeyRow {
  id: string;
  organization_id: string;
  account_id: string | null;
  level: KeyLevel;
  mode: KeyMode;
  name: string | null;
  member: string | null;
  products: string[] | null;
  account_scope: string[] | null;
  public_key: string;
  secret_hmac: string;
  secret_preview: string;
  secret_revealed: boolean;
  status: StoredStatus;
  expires_at: Date | null;
  created_at: Date;
  rolled_at: Date | null;
  grace_until: Date | null;
  revoked_at: Date | null;
  replaced_by: string | null;
  /** Why a rolled key was rolled: by its owner, or because its secret leaked. */
  roll_reason: RollReason | null;
}

export type RollReason = 'owner' | 'leak';

export function statusAt(key: KeyRow, now: Date): KeyStatus {
  if (key.status === 'revoked') return 'revoked';
  if (key.expires_at && key.expires_at.getTime() <= now.getTime()) return 'expired';
  if (key.status === 'rolled') {
    return key.grace_until && key.grace_until.getTime() > now.getTime() ? 'rolled' : 'expired';
  }
  return 'active';
}

/** When the key stops (or stopped) working, if it has such an instant. */
export function endsAt(key: KeyRow): Date | null {
  const candidates = [key.expires_at, key.status === 'rolled' ? key.grace_until : null, key.revoked_at].filter(
    (d): d is Date => d instanceof Date,
  );
  if (candidates.length === 0) return null;
  return new Date(Math.min(...candidates.map((d) => d.getTime())));
}

export function isCustomized(key: Pick<KeyRow, 'products' | 'account_scope'>): boolean {
  return key.products !== null || key.account_scope !== null;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/** Metadata only: never the secret, nor any hash of it. */
export function keyView(key: KeyRow, now: Date) {
  return {
    id: key.id,
    object: 'api_key' as const,
    organizationId: key.organization_id,
    accountId: key.account_id,
    level: key.level,
    mode: key.mode,
    name: key.name,
    member: key.member,
    customized: isCustomized(key),
    products: key.products,
    accounts: key.account_scope,
    publicKey: key.public_key,
    secretPreview: key.secret_preview,
    status: statusAt(key, now),
    createdAt: key.created_at.toISOString(),
    expiresAt: iso(key.expires_at),
    rolledAt: iso(key.rolled_at),
    graceUntil: iso(key.grace_until),
    revokedAt: iso(key.revoked_at),
    replacedBy: key.replaced_by,
  };
}
export type KeyView = ReturnType<typeof keyView>;

export interface NewKeySpec {
  organizationId: string;
  accountId: string | null;
  level: KeyLevel;
  mode: KeyMode;
  name: string | null;
  member: string | null;
  products: string[] | null;
  accounts: string[] | null;
  expiresAt: Date | null;
  createdBy: string | null;
  /** False when nobody is shown the secret (a replacement made by a leak report). */
  revealed: boolean;
}

export interface IssuedKey {
  row: KeyRow;
  publicKey: string;
  /** The only time the secret exists outside the caller's hands. */
  secretKey: string;
}

export async function insertKey(tx: Sql, pepper: Buffer, spec: NewKeySpec, now: Date): Promise<IssuedKey> {
  const publicKey = formatToken('public', spec.mode);
  const secretKey = formatToken('secret', spec.mode);
  const rows = await tx.query<KeyRow>(
    `INSERT INTO api_keys (id, organization_id, account_id, level, mode, name, member, products, account_scope,
       public_key, public_key_sha256, secret_hmac, secret_sha256, secret_preview, secret_revealed, status,
       expires_at, created_at, created_by)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,'active',$16,$17,$18)
     RETURNING *`,
    [
      `key_${randomUUID()}`,
      spec.organizationId,
      spec.accountId,
      spec.level,
      spec.mode,
      spec.name,
      spec.member,
      spec.products,
      spec.accounts,
      publicKey,
      sha256Hex(publicKey),
      hmacHex(pepper, secretKey),
      sha256Hex(secretKey),
      redactToken(secretKey),
      spec.revealed,
      spec.expiresAt,
      now,
      spec.createdBy,
    ],
  );
  return { row: rows[0], publicKey, secretKey };
}

export function specFromKey(key: KeyRow, createdBy: string | null, revealed: boolean): NewKeySpec {
  return {
    organizationId: key.organization_id,
    accountId: key.account_id,
    level: key.level,
    mode: key.mode,
    name: key.name,
    member: key.member,
    products: key.products,
    accounts: key.account_scope,
    expiresAt: key.expires_at,
    createdBy,
    revealed,
  };
}

export async function findKeyById(sql: Sql, id: string, forUpdate = false): Promise<KeyRow | null> {
  const rows = await sql.query<KeyRow>(`SELECT * FROM api_keys WHERE id = $1${forUpdate ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] ?? null;
}
