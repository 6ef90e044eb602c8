// The stand-in as the sender of the App's webhooks, and its delivery log as GitHub keeps it:
// every attempt is recorded with what the app server answered, listed by GET
// /app/hook/deliveries (newest first, `cursor` pages through the Link header, kept 3 days)
// and sent again by POST /app/hook/deliveries/{delivery_id}/attempts (202 at once; the new
// attempt carries the same guid, X-GitHub-Delivery, with `redelivery: true`). GitHub never
// redelivers on its own: only that call does.
import type { HandlerInput, HandlerResult } from './githubStandInHandlers.js';
import { deliverWebhook } from './webhookDelivery.js';
import { randomUUID } from 'node:crypto';

/** Where the App's webhooks go: its server and its webhook secret. */
export interface WebhookTarget {
  url: string;
  secret: string;
}

export interface StoredDelivery {
  id: number;
  guid: string;
  deliveredAt: number;
  redelivery: boolean;
  /** 0 when no answer came (connection refused, timeout). */
  statusCode: number;
  status: string;
  durationS: number;
  event: string;
  action: string | null;
  installationId: number | null;
  repositoryId: number | null;
  target: WebhookTarget;
  payload: unknown;
  /** A signature to send instead of the right one (tests of the app's check). */
  signature?: string;
}

/** GitHub keeps deliveries, and redelivers them, for 3 days. */
export const DELIVERY_RETENTION_MS = 3 * 24 * 3600_000;
/** GitHub gives the app server 10 seconds to answer. */
const DELIVERY_TIMEOUT_MS = 10_000;

export class WebhookDeliveries {
  readonly all: StoredDelivery[] = [];
  private nextId = 90_000_000_001;
  private readonly sending = new Set<Promise<StoredDelivery>>();
  /** The stand-in's clock for delivery times (tests move it to age deliveries). */
  now: () => number = Date.now;

  /** Sends an event as GitHub does (a new guid unless given) and records the attempt. */
  deliver(target: WebhookTarget, event: string, payload: unknown, opts: { guid?: string; signature?: string } = {}): Promise<StoredDelivery> {
    return this.attempt({ target, event, payload, guid: opts.guid ?? randomUUID(), signature: opts.signature, redelivery: false });
  }

  /** The redeliver call: a new attempt of the same event, sent in the background. */
  redeliver(id: number): StoredDelivery | undefined {
    const d = this.all.find((x) => x.id === id);
    if (!d) return undefined;
    void this.attempt({ target: d.target, event: d.event, payload: d.payload, guid: d.guid, signature: d.signature, redelivery: true });
    return d;
  }

  /** Waits until every attempt under way has its answer. */
  async settled(): Promise<void> {
    while (this.sending.size > 0) await Promise.allSettled([...this.sending]);
  }

  /** Attempts of one event, oldest first. */
  ofGuid(guid: string): StoredDelivery[] {
    return this.all.filter((d) => d.guid === guid);
  }

  private attempt(a: { target: WebhookTarget; event: string; payload: unknown; guid: string; signature?: string; redelivery: boolean }): Promise<StoredDelivery> {
    const p = obj(a.payload);
    const d: StoredDelivery = {
      id: this.nextId++, guid: a.guid, deliveredAt: this.now(), redelivery: a.redelivery, statusCode: 0, status: 'pending', durationS: 0,
      event: a.event, action: typeof p?.action === 'string' ? p.action : null,
      installationId: num(obj(p?.installation)?.id), repositoryId: num(obj(p?.repository)?.id),
      target: a.target, payload: a.payload, signature: a.signature,
    };
    this.all.push(d);
    const started = performance.now();
    const sent = deliverWebhook(a.target.url, a.event, a.payload, a.target.secret, { id: a.guid, signature: a.signature, signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS) })
      .then(async (res) => {
        await res.arrayBuffer().catch(() => undefined);
        d.statusCode = res.status;
        d.status = res.ok ? 'OK' : `Invalid HTTP Response: ${res.status}`;
      }, (err: Error) => {
        d.status = err.name === 'TimeoutError' ? 'timed out' : 'failed to connect';
      })
      .then(() => {
        d.durationS = Math.round(performance.now() - started) / 1000;
        return d;
      });
    this.sending.add(sent);
    void sent.finally(() => this.sending.delete(sent));
    return sent;
  }
}

const obj = (v: unknown): Record<string, unknown> | undefined => (v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined);
const num = (v: unknown): number | null => (typeof v === 'number' ? v : null);

export const webhookDeliveries = (i: Pick<HandlerInput, 'state'>): WebhookDeliveries => {
  const s = i.state as unknown as { webhookDeliveries?: WebhookDeliveries };
  s.webhookDeliveries ??= new WebhookDeliveries();
  return s.webhookDeliveries;
};

function deliveryJson(d: StoredDelivery) {
  return {
    id: d.id, guid: d.guid, delivered_at: new Date(d.deliveredAt).toISOString().replace(/\.\d{3}Z$/, 'Z'), redelivery: d.redelivery,
    duration: d.durationS, status: d.status, status_code: d.statusCode, event: d.event, action: d.action,
    installation_id: d.installationId, repository_id: d.repositoryId, throttled_at: null,
  };
}

const CURSOR = /^v1_(\d+)$/;

export const hookHandlers: Record<string, (i: HandlerInput) => HandlerResult> = {
  'apps/list-webhook-deliveries': (i) => {
    const log = webhookDeliveries(i);
    const per = Math.min(Number(i.query.get('per_page') ?? 30), 100);
    const cursor = i.query.get('cursor');
    const m = cursor === null ? null : CURSOR.exec(cursor);
    if (cursor !== null && !m) return { status: 422, body: { message: 'Invalid cursor', documentation_url: 'https://docs.github.com/rest/apps/webhooks#list-deliveries-for-an-app-webhook' } };
    const status = i.query.get('status');
    const before = m ? Number(m[1]) : Infinity;
    const listed = log.all
      .filter((d) => d.status !== 'pending' && d.id < before && log.now() - d.deliveredAt <= DELIVERY_RETENTION_MS)
      .filter((d) => status === null || (status === 'success') === (d.statusCode >= 200 && d.statusCode < 300))
      .sort((a, b) => b.id - a.id);
    const page = listed.slice(0, per);
    const headers: Record<string, string> = {};
    if (listed.length > per) {
      const next = new URLSearchParams(i.query);
      next.set('cursor', `v1_${page[page.length - 1].id}`);
      headers.link = `<${i.baseUrl}${i.path}?${next}>; rel="next"`;
    }
    return { status: 200, body: page.map(deliveryJson), headers };
  },
  'apps/redeliver-webhook-delivery': (i) => {
    const log = webhookDeliveries(i);
    const d = log.all.find((x) => x.id === Number(i.params.delivery_id));
    if (!d || log.now() - d.deliveredAt > DELIVERY_RETENTION_MS) return { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/apps/webhooks#redeliver-a-delivery-for-an-app-webhook' } };
    log.redeliver(d.id);
    return { status: 202, body: {} };
  },
};
