// Delivers a webhook the way GitHub does: a POST signed with HMAC-SHA256 of the raw body.
import { createHmac, randomUUID } from 'node:crypto';

export async function deliverWebhook(url: string, event: string, payload: unknown, secret: string, opts: { signature?: string; id?: string; signal?: AbortSignal } = {}): Promise<Response> {
  const body = JSON.stringify(payload);
  const signature = opts.signature ?? `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
  return fetch(`${url}/api/github/webhooks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-github-event': event, 'x-github-delivery': opts.id ?? randomUUID(), 'x-hub-signature-256': signature },
    body,
    signal: opts.signal,
  });
}
