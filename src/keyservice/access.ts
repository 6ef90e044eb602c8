// What an authenticated key may touch. Products gate routes; levels and account scopes
// gate data; test and live never see each other's data; and a key acts on other keys only
// when they are within its own powers (`keyAccessDenial`), so no key can turn itself into a
// broader one by rolling, reading or deleting.
import { KeyServiceError, notFound } from './errors.js';
import { statusAt, type KeyLevel, type KeyRow } from './keyModel.js';

export function requireProduct(caller: KeyRow, ...anyOf: string[]): void {
  if (caller.products === null || anyOf.some((p) => caller.products!.includes(p))) return;
  throw new KeyServiceError(403, 'FORBIDDEN_PRODUCT', `This key may not use the ${anyOf.join(' or ')} product; use a key that includes it.`);
}

/** Accounts the caller reaches within its organization and mode; null means all of them. */
export function reachableAccounts(caller: KeyRow): string[] | null {
  if (caller.level === 'account') return [caller.account_id as string];
  return caller.account_scope;
}

export function hasFullOrganizationReach(caller: KeyRow): boolean {
  return reachableAccounts(caller) === null;
}

export function requireAccount(caller: KeyRow, accountId: string): void {
  const reach = reachableAccounts(caller);
  if (reach === null || reach.includes(accountId)) return;
  throw new KeyServiceError(403, 'FORBIDDEN_ACCOUNT', `This key may not act on account ${accountId}; use a key whose scope includes it.`);
}

export function requireOrganizationReach(caller: KeyRow): void {
  if (hasFullOrganizationReach(caller)) return;
  throw new KeyServiceError(403, 'FORBIDDEN_ACCOUNT', 'Only an organization key that reaches every account may do this.');
}

export function requireSameMode(caller: KeyRow, mode: string): void {
  if (caller.mode === mode) return;
  throw new KeyServiceError(403, 'MODE_MISMATCH', `A ${caller.mode} key cannot touch ${mode} data; use a ${mode} key.`);
}

/** Everything that makes a key powerful: an existing key's row, or the spec of one being created. */
export interface KeyPowers {
  mode: string;
  level: KeyLevel;
  account_id: string | null;
  account_scope: string[] | null;
  products: string[] | null;
  expires_at: Date | null;
}

/** Does `caller` reach every account `target` reaches? */
export function reachesAllOf(caller: KeyRow, target: Pick<KeyPowers, 'level' | 'account_id' | 'account_scope'>): boolean {
  const reach = reachableAccounts(caller);
  if (reach === null) return true;
  if (target.level === 'account') return reach.includes(target.account_id as string);
  return target.account_scope !== null && target.account_scope.every((id) => reach.includes(id));
}

/**
 * The one rule for acting on keys (create, read, list, roll, delete): the target's mode,
 * accounts, level, products and lifetime must be within the caller's own. Returns why not,
 * or null. Same organization is checked by the caller of this function (a key of another
 * organization is simply not found).
 */
export function keyAccessDenial(caller: KeyRow, target: KeyPowers): KeyServiceError | null {
  if (caller.mode !== target.mode) {
    return new KeyServiceError(403, 'MODE_MISMATCH', `A ${caller.mode} key cannot touch ${target.mode} keys; use a ${target.mode} key.`);
  }
  if (target.level === 'organization' && caller.level === 'account') {
    return new KeyServiceError(403, 'FORBIDDEN_ACCOUNT', 'An account key cannot act on organization keys; use an organization key.');
  }
  if (!reachesAllOf(caller, target)) {
    return new KeyServiceError(403, 'FORBIDDEN_ACCOUNT', 'That key reaches accounts this key does not; use a key whose scope includes all of them.');
  }
  if (caller.products !== null) {
    const extra = target.products === null ? ['every product'] : target.products.filter((p) => !caller.products!.includes(p));
    if (extra.length > 0) {
      return new KeyServiceError(403, 'FORBIDDEN_PRODUCT', `That key has products this key does not (${extra.join(', ')}); use a key that has them all.`);
    }
  }
  if (caller.expires_at !== null && (target.expires_at === null || target.expires_at.getTime() > caller.expires_at.getTime())) {
    return new KeyServiceError(403, 'FORBIDDEN_EXPIRY', `That key outlives this one (which expires at ${caller.expires_at.toISOString()}); use a key that lives at least as long.`);
  }
  return null;
}

/** The caller may read and change `key`: same organization, and `key` within its powers. */
export function requireKeyAccess(caller: KeyRow, key: KeyRow | null): KeyRow {
  if (!key || key.organization_id !== caller.organization_id) throw notFound('Key');
  const denial = keyAccessDenial(caller, key);
  if (denial) throw denial;
  return key;
}

/** Products an application's own traffic uses; every other product manages the service itself. */
export const APPLICATION_PRODUCTS: readonly string[] = ['payments', 'subscriptions', 'installment-plans'];

/**
 * A key in its grace period keeps serving its application while the owner deploys the
 * replacement, and nothing more: whoever copied a rolled secret must gain nothing lasting.
 * - Rolled by its owner: reads and leak reports go on; no other change (keys, accounts,
 *   scope, or anything else that manages the service).
 * - Rolled because its secret leaked: only application products; nothing that manages the
 *   service, reads included (key and account metadata, incidents that say where other
 *   secrets leaked).
 * Decided before the idempotency guard, so a key in grace never gets a stored answer back
 * (one could carry a new secret).
 */
export function requireUsableInGrace(caller: KeyRow, now: Date, products: readonly string[], use: 'read' | 'change'): void {
  if (statusAt(caller, now) !== 'rolled') return;
  if (products.every((p) => APPLICATION_PRODUCTS.includes(p))) return;
  const until = caller.grace_until ? ` (until ${caller.grace_until.toISOString()})` : '';
  if (caller.roll_reason === 'leak') {
    throw new KeyServiceError(403, 'KEY_IN_GRACE', `This key was rolled because its secret leaked; in its grace period${until} it serves only its application's products. Use another key; its owner gets the replacement by rolling it.`);
  }
  if (use === 'read' || products.includes('leak-reports')) return;
  const replacement = caller.replaced_by ? `, such as its replacement ${caller.replaced_by}` : '';
  throw new KeyServiceError(403, 'KEY_IN_GRACE', `This key was rolled; in its grace period${until} it keeps its traffic but can no longer create, roll or delete keys, create accounts or grant scope. Use an active key${replacement}.`);
}
