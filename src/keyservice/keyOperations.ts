// Changes to keys. Each function runs inside the caller's transaction, so that a change and
// the idempotency record guarding it commit together or not at all.
import type { Sql } from './database.js';
import { KeyServiceError, notFound, validationFailed } from './errors.js';
import type { KeyMode } from '../keyformat/keyFormat.js';
import { insertKey, findKeyById, keyView, specFromKey, statusAt, type IssuedKey, type KeyLevel, type KeyRow } from './keyModel.js';
import { keyAccessDenial, reachableAccounts, requireAccount, requireKeyAccess, requireOrganizationReach, requireSameMode } from './access.js';

export interface Outcome {
  status: number;
  body: Record<string, unknown>;
}

export interface CreateKeyBody {
  level: KeyLevel;
  accountId?: string;
  mode: KeyMode;
  name?: string;
  member?: string;
  products?: string[];
  accounts?: string[];
  expiresAt?: string;
}

export function issuedView(issued: IssuedKey, now: Date) {
  return { ...keyView(issued.row, now), publicKey: issued.publicKey, secretKey: issued.secretKey };
}

export async function createKey(tx: Sql, pepper: Buffer, caller: KeyRow, body: CreateKeyBody, now: Date): Promise<Outcome> {
  requireSameMode(caller, body.mode);
  const products = body.products ? dedupe(body.products) : caller.products;
  const expiresAt = expiryFor(caller, body.expiresAt, now);
  let accountId: string | null = null;
  let accounts = body.accounts ? dedupe(body.accounts) : null;
  if (body.level === 'account') {
    if (!body.accountId) throw validationFailed('An account key needs accountId.');
    if (accounts && (accounts.length !== 1 || accounts[0] !== body.accountId)) {
      throw validationFailed('An account key reaches only its own account; omit accounts or send [accountId].');
    }
    await requireExistingAccount(tx, caller, body.accountId);
    requireAccount(caller, body.accountId);
    accountId = body.accountId;
    accounts = null;
  } else {
    if (body.accountId) throw validationFailed('accountId is only for level "account"; use accounts to scope an organization key.');
    if (caller.level === 'account') requireOrganizationReach(caller);
    if (accounts) {
      for (const id of accounts) {
        await requireExistingAccount(tx, caller, id);
        requireAccount(caller, id);
      }
    } else {
      // A scoped key cannot mint a key that reaches more than it does.
      accounts = reachableAccounts(caller);
    }
  }
  const denial = keyAccessDenial(caller, { mode: body.mode, level: body.level, account_id: accountId, account_scope: accounts, products, expires_at: expiresAt });
  if (denial) {
    if (denial.code === 'FORBIDDEN_PRODUCT') {
      throw new KeyServiceError(403, 'FORBIDDEN_PRODUCT', `A key cannot grant products it does not have itself (${products === null ? 'every product' : products.filter((p) => !caller.products!.includes(p)).join(', ')}).`);
    }
    throw denial;
  }
  const issued = await insertKey(
    tx,
    pepper,
    {
      organizationId: caller.organization_id,
      accountId,
      level: body.level,
      mode: body.mode,
      name: body.name ?? null,
      member: body.member ?? null,
      products,
      accounts,
      expiresAt,
      createdBy: caller.id,
      revealed: true,
    },
    now,
  );
  return { status: 201, body: issuedView(issued, now) };
}

/** A new key's expiry: the one asked for, never later than its creator's (the default when none is asked for). */
function expiryFor(caller: KeyRow, requested: string | undefined, now: Date): Date | null {
  if (requested === undefined) return caller.expires_at;
  const expiresAt = new Date(requested);
  if (Number.isNaN(expiresAt.getTime()) || expiresAt.getTime() <= now.getTime()) {
    throw validationFailed('expiresAt must be an ISO 8601 date-time in the future.');
  }
  if (caller.expires_at !== null && expiresAt.getTime() > caller.expires_at.getTime()) {
    throw validationFailed(`expiresAt cannot be later than the expiry of the key creating it (${caller.expires_at.toISOString()}); omit it to get that expiry, or ask for an earlier one.`);
  }
  return expiresAt;
}

async function requireExistingAccount(tx: Sql, caller: KeyRow, accountId: string): Promise<void> {
  const rows = await tx.query<{ mode: string }>('SELECT mode FROM accounts WHERE id = $1 AND organization_id = $2', [
    accountId,
    caller.organization_id,
  ]);
  if (rows.length === 0) throw notFound(`Account ${accountId}`);
  requireSameMode(caller, rows[0].mode);
}

export interface RollResult {
  previous: KeyRow;
  issued: IssuedKey;
  previousExpiresAt: Date;
}

/**
 * Replaces an active key with a new pair. The old secret keeps working until now + grace,
 * unless its secret was never shown to anyone (a leak report's replacement), which ends at once.
 */
export async function rollLockedKey(tx: Sql, pepper: Buffer, key: KeyRow, now: Date, graceSeconds: number, by: string | null, reveal: boolean): Promise<RollResult> {
  const status = statusAt(key, now);
  if (status === 'rolled') {
    throw new KeyServiceError(409, 'KEY_ALREADY_ROLLED', `Key ${key.id} was already rolled; its replacement is ${key.replaced_by}. Roll that one instead.`);
  }
  if (status === 'revoked') throw new KeyServiceError(409, 'KEY_REVOKED', `Key ${key.id} was deleted; it cannot be rolled. Create a new key.`);
  if (status === 'expired') throw new KeyServiceError(409, 'KEY_EXPIRED', `Key ${key.id} has expired; it cannot be rolled. Create a new key.`);
  const issued = await insertKey(tx, pepper, specFromKey(key, by, reveal), now);
  let graceUntil = key.secret_revealed ? new Date(now.getTime() + graceSeconds * 1000) : now;
  if (key.expires_at && key.expires_at.getTime() < graceUntil.getTime()) graceUntil = key.expires_at;
  // A replacement nobody is shown is a leak report's: the old key then keeps only its application products.
  const rows = await tx.query<KeyRow>(
    `UPDATE api_keys SET status = 'rolled', rolled_at = $2, grace_until = $3, replaced_by = $4, roll_reason = $5 WHERE id = $1 RETURNING *`,
    [key.id, now, graceUntil, issued.row.id, reveal ? 'owner' : 'leak'],
  );
  return { previous: rows[0], issued, previousExpiresAt: graceUntil };
}

export async function rollKey(tx: Sql, pepper: Buffer, caller: KeyRow, keyId: string, now: Date, graceSeconds: number): Promise<Outcome> {
  const key = requireKeyAccess(caller, await findKeyById(tx, keyId, true));
  const result = await rollLockedKey(tx, pepper, key, now, graceSeconds, caller.id, true);
  return {
    status: 200,
    body: {
      ...issuedView(result.issued, now),
      previous: { id: result.previous.id, expiresAt: result.previousExpiresAt.toISOString() },
    },
  };
}

export async function deleteKey(tx: Sql, caller: KeyRow, keyId: string, now: Date): Promise<Outcome> {
  const key = requireKeyAccess(caller, await findKeyById(tx, keyId, true));
  if (key.status === 'revoked') throw new KeyServiceError(409, 'KEY_REVOKED', `Key ${key.id} was already deleted.`);
  return { status: 200, body: keyView(await revokeLockedKey(tx, key, now), now) };
}

/** Ends a key (also one in its grace period) at `now`; the caller holds the row lock. */
export async function revokeLockedKey(tx: Sql, key: KeyRow, now: Date): Promise<KeyRow> {
  const rows = await tx.query<KeyRow>(`UPDATE api_keys SET status = 'revoked', revoked_at = $2 WHERE id = $1 RETURNING *`, [key.id, now]);
  return rows[0];
}

export async function listKeys(sql: Sql, caller: KeyRow, now: Date): Promise<Outcome> {
  const rows = await sql.query<KeyRow>('SELECT * FROM api_keys WHERE organization_id = $1 AND mode = $2 ORDER BY created_at, seq', [
    caller.organization_id,
    caller.mode,
  ]);
  const visible = rows.filter((k) => keyAccessDenial(caller, k) === null);
  return { status: 200, body: { object: 'list', data: visible.map((k) => keyView(k, now)) } };
}

export async function getKey(sql: Sql, caller: KeyRow, keyId: string, now: Date): Promise<Outcome> {
  const key = requireKeyAccess(caller, await findKeyById(sql, keyId));
  return { status: 200, body: keyView(key, now) };
}

const dedupe = (items: string[]): string[] => [...new Set(items)];
