// The schema, as numbered migrations applied in order, once, by both PostgreSQL and PGlite.
// Append new migrations; never edit one that has shipped.
import type { Database } from './database.js';

export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'organizations, accounts, keys, idempotency, leak incidents',
    sql: `
CREATE TABLE organizations (
  id text PRIMARY KEY,
  name text NOT NULL,
  created_at timestamptz NOT NULL
);

-- Accounts carry a mode: an account made with a test key exists only in test mode.
CREATE TABLE accounts (
  id text PRIMARY KEY,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  organization_id text NOT NULL REFERENCES organizations(id),
  mode text NOT NULL CHECK (mode IN ('test', 'live')),
  name text NOT NULL,
  created_at timestamptz NOT NULL
);
CREATE INDEX accounts_by_org_mode ON accounts (organization_id, mode);

-- seq gives lists a stable order when several rows share a timestamp.
-- One row per key pair. Secrets exist here only as HMAC (authentication) and SHA-256
-- (leak reports and verify, which receive the scanner's plain SHA-256).
CREATE TABLE api_keys (
  id text PRIMARY KEY,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  organization_id text NOT NULL REFERENCES organizations(id),
  account_id text REFERENCES accounts(id),
  level text NOT NULL CHECK (level IN ('organization', 'account')),
  mode text NOT NULL CHECK (mode IN ('test', 'live')),
  name text,
  member text,
  products text[],
  account_scope text[],
  public_key text NOT NULL UNIQUE,
  public_key_sha256 text NOT NULL UNIQUE,
  secret_hmac text NOT NULL UNIQUE,
  secret_sha256 text NOT NULL UNIQUE,
  secret_preview text NOT NULL,
  secret_revealed boolean NOT NULL,
  status text NOT NULL CHECK (status IN ('active', 'rolled', 'revoked')),
  expires_at timestamptz,
  created_at timestamptz NOT NULL,
  rolled_at timestamptz,
  grace_until timestamptz,
  revoked_at timestamptz,
  replaced_by text REFERENCES api_keys(id),
  created_by text,
  CHECK (level = 'organization' OR account_id IS NOT NULL)
);
CREATE INDEX api_keys_by_org_mode ON api_keys (organization_id, mode);

CREATE TABLE idempotency_records (
  credential_id text NOT NULL,
  idempotency_key uuid NOT NULL,
  attempt_id text NOT NULL,
  state text NOT NULL CHECK (state IN ('in_process', 'completed')),
  method text NOT NULL,
  path text NOT NULL,
  response_status integer,
  response_body jsonb,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  PRIMARY KEY (credential_id, idempotency_key)
);
CREATE INDEX idempotency_records_by_expiry ON idempotency_records (expires_at);

CREATE TABLE leak_incidents (
  id text PRIMARY KEY,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  reporter_key_id text NOT NULL,
  reporter_organization_id text NOT NULL,
  reporter_mode text NOT NULL,
  token_sha256 text NOT NULL,
  source_url text NOT NULL,
  description text NOT NULL,
  label text NOT NULL,
  key_id text,
  key_organization_id text,
  key_mode text,
  new_key_id text,
  created_at timestamptz NOT NULL
);
CREATE INDEX leak_incidents_by_reporter ON leak_incidents (reporter_organization_id, created_at);
CREATE INDEX leak_incidents_by_key_org ON leak_incidents (key_organization_id, created_at);
`,
  },
  {
    version: 2,
    name: 'GitHub secret-scanning partner: policy, incident source, organization webhooks and their outbox',
    sql: `
-- What an active secret key found by GitHub in public content gets: revoked at once (default:
-- public means compromised) or rolled with the grace period.
ALTER TABLE organizations ADD COLUMN github_partner_policy text NOT NULL DEFAULT 'revoke'
  CHECK (github_partner_policy IN ('revoke', 'roll'));

-- GitHub reports without a key-service credential: no reporter key, organization or mode.
ALTER TABLE leak_incidents ALTER COLUMN reporter_key_id DROP NOT NULL;
ALTER TABLE leak_incidents ALTER COLUMN reporter_organization_id DROP NOT NULL;
ALTER TABLE leak_incidents ALTER COLUMN reporter_mode DROP NOT NULL;
-- 'github', or the reporting key's id (rows from before this migration: NULL, read reporter_key_id).
ALTER TABLE leak_incidents ADD COLUMN reported_by text;
-- Where GitHub found the token (content, commit, npm…); NULL for leak reports.
ALTER TABLE leak_incidents ADD COLUMN source text;
-- The instant the leaked secret stops (or stopped) working because of this incident's action.
ALTER TABLE leak_incidents ADD COLUMN key_stops_at timestamptz;

-- Organization webhooks. The signing secret must be usable to sign, so it is kept encrypted
-- (AES-256-GCM under a key derived from the pepper, which lives outside the database).
CREATE TABLE webhook_endpoints (
  id text PRIMARY KEY,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  organization_id text NOT NULL REFERENCES organizations(id),
  mode text NOT NULL CHECK (mode IN ('test', 'live')),
  url text NOT NULL,
  events text[] NOT NULL,
  secret_sealed text NOT NULL,
  secret_preview text NOT NULL,
  created_by text,
  created_at timestamptz NOT NULL,
  deleted_at timestamptz
);
CREATE INDEX webhook_endpoints_by_org_mode ON webhook_endpoints (organization_id, mode);

-- The outbox: one row per (event, endpoint), written in the transaction that made the event,
-- delivered and retried by the dispatcher.
CREATE TABLE webhook_deliveries (
  id text PRIMARY KEY,
  seq bigint GENERATED ALWAYS AS IDENTITY,
  endpoint_id text NOT NULL REFERENCES webhook_endpoints(id),
  event_id text NOT NULL,
  event_type text NOT NULL,
  payload text NOT NULL,
  state text NOT NULL CHECK (state IN ('pending', 'delivered', 'failed', 'cancelled')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  locked_until timestamptz,
  last_status integer,
  last_error text,
  created_at timestamptz NOT NULL,
  delivered_at timestamptz
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (state, next_attempt_at);
`,
  },
  {
    version: 3,
    name: 'why a key was rolled (owner or leak): a leaked key in its grace period keeps only its application products',
    sql: `
ALTER TABLE api_keys ADD COLUMN roll_reason text CHECK (roll_reason IN ('owner', 'leak'));
-- Keys rolled before this column existed: a leak report's replacement is the one whose secret nobody saw.
UPDATE api_keys AS k SET roll_reason = CASE WHEN s.secret_revealed THEN 'owner' ELSE 'leak' END
  FROM api_keys AS s WHERE k.replaced_by = s.id;
`,
  },
  {
    version: 4,
    name: 'failed authentication counted in the database, per IP and per public key',
    sql: `
-- bucket: 'ip:<address>' or 'key:<public key>'. Only failures are counted; a row whose
-- window has ended starts again at 1, and ended windows are swept now and then.
CREATE TABLE auth_failures (
  bucket text PRIMARY KEY,
  failures integer NOT NULL,
  window_ends_at timestamptz NOT NULL
);
CREATE INDEX auth_failures_by_window_end ON auth_failures (window_ends_at);
`,
  },
];

/** Applies pending migrations, each in its own transaction, serialised by an advisory lock. */
export async function migrate(db: Database): Promise<number[]> {
  await db.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  const applied: number[] = [];
  for (const migration of MIGRATIONS) {
    const done = await db.transaction(async (tx) => {
      // Two services starting against one database must not both apply a migration.
      await tx.query('SELECT pg_advisory_xact_lock(72347001)');
      const rows = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [migration.version]);
      if (rows.length > 0) return false;
      await tx.exec(migration.sql);
      await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
      return true;
    });
    if (done) applied.push(migration.version);
  }
  return applied;
}
