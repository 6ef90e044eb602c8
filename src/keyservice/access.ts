// What an authenticated key may touch. Products gate routes; levels and account scopes
// gate data; test and live never see each other's data.
import { KeyServiceError, notFound } from './errors.js';
import type { KeyRow } from './keyModel.js';

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

/** The caller may read and change `key` (same organization, same mode, within its scope). */
export function requireKeyAccess(caller: KeyRow, key: KeyRow | null): KeyRow {
  if (!key || key.organization_id !== caller.organization_id) throw notFound('Key');
  requireSameMode(caller, key.mode);
  if (key.level === 'organization') requireOrganizationReach(caller);
  else requireAccount(caller, key.account_id as string);
  return key;
}
