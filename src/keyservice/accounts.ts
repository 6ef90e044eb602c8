// Organizations and their accounts. Accounts carry the mode of the key that created them.
import { randomUUID } from 'node:crypto';
import type { Sql } from './database.js';
import { reachableAccounts, requireOrganizationReach } from './access.js';
import type { KeyRow } from './keyModel.js';
import type { Outcome } from './keyOperations.js';

interface AccountRow {
  id: string;
  organization_id: string;
  mode: string;
  name: string;
  created_at: Date;
}

const accountView = (a: AccountRow) => ({
  id: a.id,
  object: 'account' as const,
  organizationId: a.organization_id,
  mode: a.mode,
  name: a.name,
  createdAt: a.created_at.toISOString(),
});

export async function createAccount(tx: Sql, caller: KeyRow, body: { name: string }, now: Date): Promise<Outcome> {
  requireOrganizationReach(caller);
  const rows = await tx.query<AccountRow>(
    'INSERT INTO accounts (id, organization_id, mode, name, created_at) VALUES ($1,$2,$3,$4,$5) RETURNING *',
    [`acct_${randomUUID()}`, caller.organization_id, caller.mode, body.name, now],
  );
  return { status: 201, body: accountView(rows[0]) };
}

export async function listAccounts(sql: Sql, caller: KeyRow): Promise<Outcome> {
  const rows = await sql.query<AccountRow>(
    'SELECT * FROM accounts WHERE organization_id = $1 AND mode = $2 ORDER BY created_at, seq',
    [caller.organization_id, caller.mode],
  );
  const reach = reachableAccounts(caller);
  const visible = reach === null ? rows : rows.filter((a) => reach.includes(a.id));
  return { status: 200, body: { object: 'list', data: visible.map(accountView) } };
}

export async function insertOrganization(tx: Sql, name: string, now: Date): Promise<{ id: string; name: string; createdAt: string }> {
  const id = `org_${randomUUID()}`;
  await tx.query('INSERT INTO organizations (id, name, created_at) VALUES ($1,$2,$3)', [id, name, now]);
  return { id, name, createdAt: now.toISOString() };
}
