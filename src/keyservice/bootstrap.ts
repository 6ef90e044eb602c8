// The first organization and its first organization key, printed once by
// `keywarden keyservice bootstrap`; and `grant`, which makes a customized key (e.g. the
// rotation bot's `leak-reports` key) directly in the database.
import { insertOrganization } from './accounts.js';
import { KeyServiceError } from './errors.js';
import type { KeyMode } from '../keyformat/keyFormat.js';
import { insertKey, PRODUCTS } from './keyModel.js';
import { issuedView } from './keyOperations.js';
import type { KeyStore } from './keyStore.js';
import type { Sql } from './database.js';

export interface IssuedCredentials {
  organization: { id: string; name: string; createdAt: string };
  key: ReturnType<typeof issuedView>;
}

export interface OrganizationKeyOptions {
  name?: string;
  mode?: KeyMode;
  now?: Date;
}

/** Creates an organization with an uncustomized organization key. */
export async function createOrganizationWithKey(store: KeyStore, options: OrganizationKeyOptions = {}): Promise<IssuedCredentials> {
  return store.db.transaction((tx) => insertOrganizationWithKey(tx, store.pepper, options));
}

async function insertOrganizationWithKey(tx: Sql, pepper: Buffer, options: OrganizationKeyOptions): Promise<IssuedCredentials> {
  const now = options.now ?? new Date();
  const organization = await insertOrganization(tx, options.name ?? 'default', now);
  const issued = await insertKey(
    tx,
    pepper,
    {
      organizationId: organization.id,
      accountId: null,
      level: 'organization',
      mode: options.mode ?? 'live',
      name: 'bootstrap',
      member: null,
      products: null,
      accounts: null,
      expiresAt: null,
      createdBy: null,
      revealed: true,
    },
    now,
  );
  return { organization, key: issuedView(issued, now) };
}

/** The first organization and key; refuses when any organization exists already. */
export async function bootstrap(store: KeyStore, options: OrganizationKeyOptions = {}): Promise<IssuedCredentials> {
  return store.db.transaction(async (tx) => {
    // Two bootstraps racing against one PostgreSQL must not both create a first organization.
    await tx.query('SELECT pg_advisory_xact_lock(72347002)');
    const existing = await tx.query('SELECT id FROM organizations LIMIT 1');
    if (existing.length > 0) {
      throw new KeyServiceError(409, 'ALREADY_BOOTSTRAPPED', 'An organization exists already; bootstrap prints its first key only once. Create further keys with POST /v1/keys or `keywarden keyservice grant`.');
    }
    return insertOrganizationWithKey(tx, store.pepper, options);
  });
}

export interface GrantOptions {
  organizationId?: string;
  products: string[];
  name?: string;
  member?: string;
  mode?: KeyMode;
  now?: Date;
}

/** A customized organization key with the given products, in the only (or given) organization. */
export async function grantKey(store: KeyStore, options: GrantOptions): Promise<IssuedCredentials['key']> {
  const now = options.now ?? new Date();
  const unknown = options.products.filter((p) => !(PRODUCTS as readonly string[]).includes(p));
  if (unknown.length > 0) {
    throw new KeyServiceError(400, 'VALIDATION_FAILED', `Unknown product ${unknown.join(', ')}; known products: ${PRODUCTS.join(', ')}.`);
  }
  const orgs = await store.db.query<{ id: string }>(
    options.organizationId ? 'SELECT id FROM organizations WHERE id = $1' : 'SELECT id FROM organizations ORDER BY created_at LIMIT 2',
    options.organizationId ? [options.organizationId] : [],
  );
  if (orgs.length === 0) throw new KeyServiceError(404, 'NOT_FOUND', 'No organization found; run `keywarden keyservice bootstrap` first (or check --organization).');
  if (orgs.length > 1) throw new KeyServiceError(400, 'VALIDATION_FAILED', 'Several organizations exist; pass --organization ID.');
  return store.db.transaction(async (tx) => {
    const issued = await insertKey(
      tx,
      store.pepper,
      {
        organizationId: orgs[0].id,
        accountId: null,
        level: 'organization',
        mode: options.mode ?? 'live',
        name: options.name ?? null,
        member: options.member ?? null,
        products: [...new Set(options.products)],
        accounts: null,
        expiresAt: null,
        createdBy: null,
        revealed: true,
      },
      now,
    );
    return issuedView(issued, now);
  });
}
