// The stand-in's webhook deliveries behave as GitHub documents them: each attempt is recorded
// with the app's answer, GET /app/hook/deliveries lists them newest first and pages with a
// `cursor` in the Link header, POST .../attempts sends the same event (same guid) again, and
// deliveries older than 3 days are gone. Every request and every answer is checked against
// GitHub's OpenAPI description.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Octokit } from '@octokit/rest';
import { startGitHubStandIn, type GitHubStandIn } from '../support/githubStandIn.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver.js';
import { matchOperation, validateResponse } from '../support/openapiContract.js';
import { pushExample } from '../support/webhookExamples.js';
import { nextCursor } from '../../src/github/hookDeliveries.js';

let gh: GitHubStandIn;
let receiver: WebhookReceiver;
let app: Octokit;

beforeAll(async () => {
  gh = await startGitHubStandIn();
  receiver = await startWebhookReceiver();
  // GitHub wants the App's JWT here; the stand-in checks its shape.
  app = new Octokit({ baseUrl: gh.url, auth: 'eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiIxIn0.c2lnbmF0dXJl', request: { retries: 0 } });
});
afterAll(async () => {
  await gh.close();
  await receiver.close();
});

/** The app server's URL as the stand-in sends to it (deliverWebhook appends the webhook path). */
const target = () => ({ url: receiver.url.replace(/\/hooks\/keywarden$/, ''), secret: 'hook-secret' });

function documented(method: string, path: string, status: number, body: unknown): string[] {
  return validateResponse(matchOperation(method, path)!, status, body);
}

describe('webhook deliveries in the stand-in', () => {
  it('records each attempt with the status the app answered, and lists them newest first, paged by cursor', async () => {
    receiver.failNext(2, 503);
    const sent = [];
    for (let i = 0; i < 3; i++) sent.push(await gh.deliverWebhook(target(), 'push', pushExample()));
    expect(sent.map((d) => d.statusCode)).toEqual([503, 503, 204]);
    expect(receiver.received.map((r) => r.headers['x-github-delivery'])).toEqual(sent.map((d) => d.guid));

    const first = await app.request('GET /app/hook/deliveries', { per_page: 2 });
    expect(documented('GET', '/app/hook/deliveries', 200, first.data)).toEqual([]);
    expect(documented('GET', '/app/hook/deliveries', 200, [{ ...first.data[0], guid: 7 }])).not.toEqual([]);
    expect(first.data.map((d) => d.guid)).toEqual([sent[2].guid, sent[1].guid]);
    expect(first.data[1]).toMatchObject({ status_code: 503, redelivery: false, event: 'push', installation_id: pushExample().installation.id });
    const cursor = nextCursor(first.headers.link);
    expect(cursor).toBeDefined();
    const second = await app.request('GET /app/hook/deliveries', { per_page: 2, cursor });
    expect(second.data.map((d) => d.guid)).toEqual([sent[0].guid]);
    expect(nextCursor(second.headers.link)).toBeUndefined();
    const failures = await app.request('GET /app/hook/deliveries', { status: 'failure' });
    expect(failures.data.map((d) => d.id)).toEqual([sent[1].id, sent[0].id]);
    expect(gh.violations).toEqual([]);
  });

  it('redelivers: 202 at once, then a new attempt of the same event (same guid), marked as a redelivery', async () => {
    receiver.failNext(1, 503);
    const failed = await gh.deliverWebhook(target(), 'push', pushExample());
    expect(failed.statusCode).toBe(503);
    const res = await app.request('POST /app/hook/deliveries/{delivery_id}/attempts', { delivery_id: failed.id });
    expect(res.status).toBe(202);
    expect(documented('POST', `/app/hook/deliveries/${failed.id}/attempts`, 202, res.data)).toEqual([]);
    await gh.webhooks.settled();
    const attempts = gh.webhooks.ofGuid(failed.guid);
    expect(attempts.map((a) => [a.redelivery, a.statusCode])).toEqual([[false, 503], [true, 204]]);
    expect(attempts[1].id).toBeGreaterThan(attempts[0].id);
    const arrived = receiver.received.filter((r) => r.headers['x-github-delivery'] === failed.guid);
    expect(arrived).toHaveLength(2);
    expect(arrived[1].body).toBe(arrived[0].body);
    const listed = await app.request('GET /app/hook/deliveries', { per_page: 100 });
    expect(listed.data.filter((d) => d.guid === failed.guid).map((d) => d.redelivery)).toEqual([true, false]);
    expect(gh.violations).toEqual([]);
  });

  it('records no answer as status_code 0', async () => {
    const d = await gh.deliverWebhook({ url: 'http://127.0.0.1:9', secret: 'x' }, 'push', pushExample());
    expect(d).toMatchObject({ statusCode: 0, status: 'failed to connect' });
  });

  it('refuses what GitHub refuses: an unknown delivery, an app installation token instead of the JWT, a delivery older than 3 days', async () => {
    await expect(app.request('POST /app/hook/deliveries/{delivery_id}/attempts', { delivery_id: 1 })).rejects.toMatchObject({ status: 404 });
    const token = gh.state.newToken();
    gh.state.tokens.add(token);
    const asInstallation = new Octokit({ baseUrl: gh.url, auth: token, request: { retries: 0 } });
    await expect(asInstallation.request('GET /app/hook/deliveries')).rejects.toMatchObject({ status: 401 });
    expect(gh.violations.pop()).toMatch(/app JWT/);

    const old = await gh.deliverWebhook(target(), 'push', pushExample());
    const realNow = gh.webhooks.now;
    gh.webhooks.now = () => realNow() + 3 * 24 * 3600_000 + 60_000;
    try {
      const listed = await app.request('GET /app/hook/deliveries', { per_page: 100 });
      expect(listed.data.map((d) => d.id)).not.toContain(old.id);
      await expect(app.request('POST /app/hook/deliveries/{delivery_id}/attempts', { delivery_id: old.id })).rejects.toMatchObject({ status: 404 });
    } finally {
      gh.webhooks.now = realNow;
    }
    expect(gh.violations).toEqual([]);
  });
});
