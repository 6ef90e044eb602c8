// The outbox: an event is written as one delivery row per subscribed endpoint, in the same
// transaction as the change it reports. If that transaction rolls back, nothing is sent; if
// it commits, the dispatcher will deliver it, even across a restart.
import { randomUUID } from 'node:crypto';
import type { Sql } from '../database.js';
import type { IncidentView } from '../leakReports.js';

export const WEBHOOK_EVENTS = ['incident.created'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export interface IncidentAudience {
  /** The organization and mode whose key the incident concerns. */
  organizationId: string;
  mode: string;
  /** The leaked secret's redacted preview, when the token is a known secret. */
  secretPreview: string | null;
}

export async function enqueueIncidentCreated(tx: Sql, incident: IncidentView, audience: IncidentAudience, now: Date): Promise<number> {
  const endpoints = await tx.query<{ id: string }>(
    `SELECT id FROM webhook_endpoints
      WHERE organization_id = $1 AND mode = $2 AND deleted_at IS NULL AND 'incident.created' = ANY(events)`,
    [audience.organizationId, audience.mode],
  );
  if (endpoints.length === 0) return 0;
  const eventId = `evt_${randomUUID()}`;
  // Only hashes and a redacted preview: a delivery never carries a secret.
  const payload = JSON.stringify({
    id: eventId,
    type: 'incident.created',
    createdAt: now.toISOString(),
    data: { incident: { ...incident, secretPreview: audience.secretPreview } },
  });
  for (const endpoint of endpoints) {
    await tx.query(
      `INSERT INTO webhook_deliveries (id, endpoint_id, event_id, event_type, payload, state, next_attempt_at, created_at)
       VALUES ($1,$2,$3,'incident.created',$4,'pending',$5,$5)`,
      [`whd_${randomUUID()}`, endpoint.id, eventId, payload, now],
    );
  }
  return endpoints.length;
}
