// The App's webhook deliveries (GET /app/hook/deliveries) and asking GitHub to redeliver one
// (POST /app/hook/deliveries/{delivery_id}/attempts). Both need the App's JWT, not an
// installation token. GitHub lists deliveries newest first, pages them with an opaque
// `cursor` carried in the Link header's next URL, and keeps them for a few days.
import type { GitHubClient } from './retry.js';
import { ONE_TRY } from './oneTry.js';

/** One attempt to deliver one event. All attempts of an event share its `guid` (X-GitHub-Delivery). */
export interface HookDelivery {
  id: number;
  guid: string;
  /** ms since the epoch */
  deliveredAt: number;
  redelivery: boolean;
  /** What our server answered; 0 when GitHub got no answer (connection refused, timeout). */
  statusCode: number;
  event: string;
  action: string | null;
}

/** GitHub's largest page for this endpoint. */
export const DELIVERIES_PER_PAGE = 100;

interface RawDelivery {
  id: number;
  guid: string;
  delivered_at: string;
  redelivery: boolean;
  status_code: number;
  event: string;
  action?: string | null;
}

/** The `cursor` of the Link header's rel="next" URL, or undefined on the last page. */
export function nextCursor(link: unknown): string | undefined {
  if (typeof link !== 'string') return undefined;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="next"/.exec(part);
    if (m) return new URL(m[1], 'https://api.github.com').searchParams.get('cursor') ?? undefined;
  }
  return undefined;
}

/**
 * Every delivery at or after `sinceMs`, newest first. Stops at the first page that reaches
 * older deliveries (the list is newest first), or after `maxPages` (a bound on one sweep).
 */
export async function listHookDeliveriesSince(octokit: GitHubClient, sinceMs: number, maxPages = 50): Promise<HookDelivery[]> {
  const out: HookDelivery[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const res = await octokit.request('GET /app/hook/deliveries', { per_page: DELIVERIES_PER_PAGE, ...(cursor ? { cursor } : {}) });
    const items = Array.isArray(res.data) ? (res.data as RawDelivery[]) : [];
    let reachedOlder = false;
    for (const d of items) {
      const deliveredAt = Date.parse(d.delivered_at);
      if (!(deliveredAt >= sinceMs)) {
        reachedOlder = true;
        continue;
      }
      out.push({ id: d.id, guid: d.guid, deliveredAt, redelivery: d.redelivery === true, statusCode: Number(d.status_code) || 0, event: d.event, action: d.action ?? null });
    }
    cursor = nextCursor(res.headers.link);
    if (reachedOlder || !cursor || items.length === 0) break;
  }
  return out;
}

/**
 * Asks GitHub to send this delivery again (202: queued on GitHub's side; the new attempt
 * appears in the list later, same guid, `redelivery: true`). One try: the caller's next
 * sweep is the retry, and it first looks at whether an attempt has succeeded meanwhile.
 */
export async function redeliverHookDelivery(octokit: GitHubClient, deliveryId: number): Promise<void> {
  await octokit.request('POST /app/hook/deliveries/{delivery_id}/attempts', { delivery_id: deliveryId, request: ONE_TRY });
}
