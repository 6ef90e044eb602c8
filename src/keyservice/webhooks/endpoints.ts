// Organization webhooks: POST /v1/webhooks (the signing secret is in that answer only),
// GET /v1/webhooks, DELETE /v1/webhooks/:id. A webhook belongs to the caller's organization
// and mode, like keys, and receives events about that mode's keys.
import { randomUUID } from 'node:crypto';
import { requireOrganizationReach } from '../access.js';
import type { Sql } from '../database.js';
import { notFound, validationFailed } from '../errors.js';
import type { KeyRow } from '../keyModel.js';
import type { Outcome } from '../keyOperations.js';
import { WEBHOOK_EVENTS } from './outbox.js';
import { errorSchema, NO_NUL } from '../schemas.js';
import { sealSecret } from './secretBox.js';
import { generateSigningSecret, previewSecret } from './signing.js';

export interface CreateWebhookBody {
  url: string;
  events: string[];
}

interface EndpointRow {
  id: string;
  organization_id: string;
  mode: string;
  url: string;
  events: string[];
  secret_preview: string;
  created_at: Date;
}

const endpointView = (e: EndpointRow) => ({
  id: e.id,
  object: 'webhook_endpoint' as const,
  organizationId: e.organization_id,
  mode: e.mode,
  url: e.url,
  events: e.events,
  secretPreview: e.secret_preview,
  createdAt: e.created_at.toISOString(),
});

function checkUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw validationFailed('url must be an absolute http(s) URL, e.g. https://hooks.example.com/keywarden.');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw validationFailed('url must use https (or http for local testing).');
  if (url.username || url.password) throw validationFailed('url must not carry credentials; verify deliveries with the signing secret instead.');
  return url.toString();
}

export async function createWebhook(tx: Sql, pepper: Buffer, caller: KeyRow, body: CreateWebhookBody, now: Date): Promise<Outcome> {
  requireOrganizationReach(caller);
  const url = checkUrl(body.url);
  const events = [...new Set(body.events)];
  const unknown = events.filter((e) => !(WEBHOOK_EVENTS as readonly string[]).includes(e));
  if (unknown.length > 0) throw validationFailed(`Unknown event(s) ${unknown.join(', ')}; supported: ${WEBHOOK_EVENTS.join(', ')}.`);
  const id = `wh_${randomUUID()}`;
  const secret = generateSigningSecret();
  const rows = await tx.query<EndpointRow>(
    `INSERT INTO webhook_endpoints (id, organization_id, mode, url, events, secret_sealed, secret_preview, created_by, created_at)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING *`,
    [id, caller.organization_id, caller.mode, url, events, sealSecret(pepper, id, secret), previewSecret(secret), caller.id, now],
  );
  return { status: 201, body: { ...endpointView(rows[0]), secret } };
}

export async function listWebhooks(sql: Sql, caller: KeyRow): Promise<Outcome> {
  requireOrganizationReach(caller);
  const rows = await sql.query<EndpointRow>(
    'SELECT * FROM webhook_endpoints WHERE organization_id = $1 AND mode = $2 AND deleted_at IS NULL ORDER BY created_at, seq',
    [caller.organization_id, caller.mode],
  );
  return { status: 200, body: { object: 'list', data: rows.map(endpointView) } };
}

/** Stops deliveries at once: pending ones are cancelled in the same transaction. */
export async function deleteWebhook(tx: Sql, caller: KeyRow, id: string, now: Date): Promise<Outcome> {
  requireOrganizationReach(caller);
  const rows = await tx.query<EndpointRow>(
    `UPDATE webhook_endpoints SET deleted_at = $4
      WHERE id = $1 AND organization_id = $2 AND mode = $3 AND deleted_at IS NULL RETURNING *`,
    [id, caller.organization_id, caller.mode, now],
  );
  if (rows.length === 0) throw notFound('Webhook');
  await tx.query(`UPDATE webhook_deliveries SET state = 'cancelled', locked_until = NULL WHERE endpoint_id = $1 AND state = 'pending'`, [id]);
  return { status: 200, body: { ...endpointView(rows[0]), deleted: true } };
}

const endpoint = {
  id: { type: 'string' },
  object: { type: 'string' },
  organizationId: { type: 'string' },
  mode: { type: 'string' },
  url: { type: 'string' },
  events: { type: 'array', items: { type: 'string' } },
  secretPreview: { type: 'string' },
  createdAt: { type: 'string', format: 'date-time' },
} as const;
const errors = { '4xx': errorSchema, '5xx': errorSchema } as const;

export const createWebhookSchema = {
  body: {
    type: 'object',
    additionalProperties: false,
    required: ['url', 'events'],
    properties: {
      url: { type: 'string', minLength: 1, maxLength: 2048, pattern: NO_NUL },
      events: { type: 'array', minItems: 1, maxItems: 10, items: { type: 'string', minLength: 1, maxLength: 100, pattern: NO_NUL } },
    },
  },
  response: { 201: { type: 'object', properties: { ...endpoint, secret: { type: 'string' } } }, ...errors },
} as const;

export const listWebhooksSchema = {
  response: { 200: { type: 'object', properties: { object: { type: 'string' }, data: { type: 'array', items: { type: 'object', properties: endpoint } } } }, ...errors },
} as const;

export const deleteWebhookSchema = {
  params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 100, pattern: NO_NUL } } },
  response: { 200: { type: 'object', properties: { ...endpoint, deleted: { type: 'boolean' } } }, ...errors },
} as const;
