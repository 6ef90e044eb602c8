// The GitHub secret-scanning partner endpoint over real HTTP, on both storage backends, with
// a stand-in for GitHub's signing keys (generated P-256 pairs, rotated mid-test) and a local
// receiver for the organization's webhook.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatToken } from '../../src/keyformat/keyFormat.js';
import { verifySignatureHeader } from '../../src/keyservice/webhooks/signing.js';
import { startSecretScanningStandIn, type SecretScanningStandIn } from '../support/secretScanningStandIn.js';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhookReceiver.js';
import { backends, pairOf, startHarness, type Harness, type Pair } from './helpers.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** Polls `probe` until it returns a value (the dispatcher works in the background). */
async function until<T>(probe: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not reached within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
const GRACE_S = 43_200;
const PATH = '/v1/github/secret-scanning';

describe.each(backends('partner'))('GitHub secret-scanning partner ($name)', (backend) => {
  let gh: SecretScanningStandIn;
  let hooks: WebhookReceiver;
  let h: Harness;

  beforeAll(async () => {
    gh = await startSecretScanningStandIn();
    hooks = await startWebhookReceiver();
    h = await startHarness(backend, { githubApiUrl: gh.url, graceSeconds: GRACE_S, webhooks: { pollMs: 10, baseDelayMs: 1_000 } });
  });
  afterAll(async () => {
    await h?.close();
    await backend.cleanup();
    await gh?.close();
    await hooks?.close();
  });

  /** POSTs `body` as GitHub would, signed by the stand-in unless headers are given. */
  async function post(body: string, headers: Record<string, string> = gh.sign(body)) {
    const res = await fetch(h.service.url + PATH, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const text = await res.text();
    return { status: res.status, text, body: text ? JSON.parse(text) : undefined };
  }

  /** A customer organization with an account key (live) and, optionally, a webhook. */
  async function customer(opts: { policy?: 'roll' | 'revoke'; webhook?: boolean } = {}) {
    const org = await h.org('live');
    if (opts.policy) {
      const res = await h.call('PATCH', '/v1/organizations/me', { creds: org.creds, body: { githubPartnerPolicy: opts.policy } });
      expect(res.status).toBe(200);
      expect(res.body.githubPartnerPolicy).toBe(opts.policy);
    }
    const acct = await h.call('POST', '/v1/accounts', { creds: org.creds, body: { name: 'shop' } });
    const key = await h.call('POST', '/v1/keys', { creds: org.creds, body: { level: 'account', accountId: acct.body.id, mode: 'live' } });
    let secret: string | undefined;
    if (opts.webhook) {
      const wh = await h.call('POST', '/v1/webhooks', { creds: org.creds, body: { url: hooks.url, events: ['incident.created'] } });
      expect(wh.status).toBe(201);
      secret = wh.body.secret;
    }
    return { org, key: key.body, pair: pairOf(key.body) as Pair, webhookSecret: secret };
  }

  const match = (token: string, url = `https://github.com/someone/app/blob/${randomBytes(20).toString('hex')}/config.js`, source = 'content') => ({
    token,
    type: token.startsWith('kwpk_') ? 'keywarden_public_key' : 'keywarden_secret_key',
    url,
    source,
  });

  const count = async (table: string) => Number((await h.store.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0].n);
  const status = async (pair: Pair) => (await h.call('GET', '/v1/keys', { creds: pair })).status;
  const deliveriesTo = (received: WebhookReceiver['received'], keyId: string) => received.filter((d) => JSON.parse(d.body).data.incident.keyId === keyId);

  it('a batch of a live secret, a public key and an unknown string: labels, incidents, the revoke, the signed webhook', async () => {
    const c = await customer({ webhook: true });
    const unknown = 'kwsk_live_' + 'x'.repeat(36);
    const batch = [match(c.pair.secretKey), match(c.pair.publicKey), match(unknown, '', 'gist_content')];
    const before = hooks.received.length;
    const res = await post(JSON.stringify(batch));

    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      { token_hash: sha(c.pair.secretKey), token_type: 'keywarden_secret_key', label: 'true_positive' },
      { token_hash: sha(c.pair.publicKey), token_type: 'keywarden_public_key', label: 'false_positive' },
      { token_hash: sha(unknown), token_type: 'keywarden_secret_key', label: 'false_positive' },
    ]);
    for (const m of batch) expect(res.text).not.toContain(m.token);

    // revoke is the default: the leaked secret stops working now, no grace period.
    const after = await h.call('GET', '/v1/keys', { creds: c.pair });
    expect(after.status).toBe(401);
    expect(after.body.code).toBe('KEY_REVOKED');

    const leaks = await h.call('GET', '/v1/leaks', { creds: c.org.creds });
    const byHash = new Map(leaks.body.data.map((i: { tokenHash: string }) => [i.tokenHash, i]));
    expect(byHash.get(sha(c.pair.secretKey))).toMatchObject({
      label: 'revoked_now', reportedBy: 'github', source: 'content', sourceUrl: batch[0].url, keyId: c.key.id, keyStopsAt: h.clock.now().toISOString(),
    });
    expect(byHash.get(sha(c.pair.publicKey))).toMatchObject({ label: 'public', reportedBy: 'github', keyStopsAt: null });
    // The unknown token concerns no organization, but is recorded (by hash only).
    const unknownRows = await h.store.db.query<{ label: string; reported_by: string; source: string }>('SELECT label, reported_by, source FROM leak_incidents WHERE token_sha256 = $1', [sha(unknown)]);
    expect(unknownRows).toEqual([{ label: 'unknown', reported_by: 'github', source: 'gist_content' }]);
    const raw = JSON.stringify(await h.store.db.query('SELECT * FROM leak_incidents'));
    for (const m of batch) expect(raw).not.toContain(m.token);

    // The owner hears about both incidents on its webhook, signed with its secret.
    await hooks.waitFor(before + 2);
    const mine = deliveriesTo(hooks.received, c.key.id);
    expect(mine).toHaveLength(2);
    for (const d of mine) {
      expect(verifySignatureHeader(c.webhookSecret!, d.body, d.headers['x-keywarden-signature'] as string, Math.floor(h.clock.now().getTime() / 1000))).toBe(true);
      expect(verifySignatureHeader('whsec_wrong', d.body, d.headers['x-keywarden-signature'] as string, Math.floor(h.clock.now().getTime() / 1000))).toBe(false);
      expect(d.headers['x-keywarden-event']).toBe('incident.created');
      expect(d.body).not.toContain(c.pair.secretKey);
    }
    const secretEvent = mine.map((d) => JSON.parse(d.body)).find((e) => e.data.incident.tokenHash === sha(c.pair.secretKey));
    expect(secretEvent).toMatchObject({
      type: 'incident.created',
      data: { incident: { label: 'revoked_now', sourceUrl: batch[0].url, source: 'content', reportedBy: 'github', keyStopsAt: h.clock.now().toISOString(), secretPreview: c.key.secretPreview } },
    });
  });

  it('policy roll: the key is rolled with the grace period, and the incident says when the old secret stops', async () => {
    const c = await customer({ policy: 'roll', webhook: true });
    const before = hooks.received.length;
    const m = match(c.pair.secretKey);
    const res = await post(JSON.stringify([m]));
    expect(res.status).toBe(200);
    expect(res.body[0].label).toBe('true_positive');
    const stopsAt = new Date(h.clock.now().getTime() + GRACE_S * 1000).toISOString();
    const key = await h.call('GET', `/v1/keys/${c.key.id}`, { creds: c.org.creds });
    expect(key.body).toMatchObject({ status: 'rolled', graceUntil: stopsAt });
    // Still inside the grace period: it authenticates, but a key rolled because of a leak keeps
    // only its application products (issue 12), so a management route answers KEY_IN_GRACE.
    const inGrace = await h.call('GET', '/v1/keys', { creds: c.pair });
    expect(inGrace.status).toBe(403);
    expect(inGrace.body.code).toBe('KEY_IN_GRACE');
    // And GitHub's incident shows the same instant.
    const verified = await h.call('POST', '/v1/keys/verify', { creds: c.org.creds, body: { tokenHash: sha(c.pair.secretKey) } });
    expect(verified.body).toMatchObject({ known: true, status: 'grace', graceUntil: stopsAt });
    const leaks = await h.call('GET', '/v1/leaks', { creds: c.org.creds });
    expect(leaks.body.data[0]).toMatchObject({ label: 'rolled', reportedBy: 'github', keyStopsAt: stopsAt, sourceUrl: m.url, newKeyId: key.body.replacedBy });
    await hooks.waitFor(before + 1);
    const event = JSON.parse(deliveriesTo(hooks.received, c.key.id)[0].body);
    expect(event.data.incident).toMatchObject({ label: 'rolled', keyStopsAt: stopsAt, sourceUrl: m.url });
  });

  it('refuses a missing or bad signature with 401 INVALID_SIGNATURE, and nothing happens', async () => {
    const c = await customer();
    const body = JSON.stringify([match(c.pair.secretKey)]);
    const incidents = await count('leak_incidents');
    const signedOther = gh.sign(JSON.stringify([match(c.pair.secretKey)]));
    const tampered = gh.sign(body);
    tampered['github-public-key-signature'] = tampered['github-public-key-signature'].replace(/^.{8}/, 'MEUCIQDA');
    for (const headers of [{}, { 'github-public-key-identifier': gh.current().identifier }, signedOther, tampered, { ...gh.sign(body), 'github-public-key-signature': 'not base64!' }]) {
      const res = await post(body, headers);
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('INVALID_SIGNATURE');
      expect(typeof res.body.message).toBe('string');
    }
    expect(await count('leak_incidents')).toBe(incidents);
    expect(await status(c.pair)).toBe(200);
  });

  it('verifies over the raw bytes: the same JSON re-spaced is a bad signature', async () => {
    const c = await customer();
    const body = JSON.stringify([match(c.pair.secretKey)]);
    const res = await post(JSON.stringify(JSON.parse(body), null, 2), gh.sign(body));
    expect(res.status).toBe(401);
    expect(await status(c.pair)).toBe(200);
  });

  it('a bad JSON body or shape after a valid signature is 400 {code, message}', async () => {
    const nul = JSON.stringify([{ token: 'kwsk_live_x', type: 'keywarden_secret_key', url: 'https://github.com/o/r/blob/x/a\u0000.env', source: 'content' }]);
    for (const body of ['[{"token":', '{"token":"x"}', '[{"type":"keywarden_secret_key"}]', nul]) {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.message).toMatch(/\w/);
    }
  });

  it('GitHub rotates its key: the new identifier is fetched once; the previous key still verifies under its own identifier', async () => {
    h.clock.advance(61_000);
    const old = gh.current();
    const fresh = gh.rotate();
    const fetches = gh.fetches();
    const c = await customer({ policy: 'roll' });
    const body = JSON.stringify([match(c.pair.secretKey)]);
    const res = await post(body, gh.sign(body, fresh));
    expect(res.status).toBe(200);
    expect(res.body[0].label).toBe('true_positive');
    expect(gh.fetches()).toBe(fetches + 1);

    // Signed by the non-current key and naming it: accepted, as GitHub documents (the header picks the key).
    const c2 = await customer({ policy: 'roll' });
    const body2 = JSON.stringify([match(c2.pair.secretKey)]);
    expect((await post(body2, gh.sign(body2, old))).status).toBe(200);
    // Signed by the non-current key but naming the current one: a bad signature.
    const c3 = await customer();
    const body3 = JSON.stringify([match(c3.pair.secretKey)]);
    const wrong = await post(body3, gh.sign(body3, old, fresh.identifier));
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('INVALID_SIGNATURE');
    expect(await status(c3.pair)).toBe(200);
    expect(gh.fetches()).toBe(fetches + 1);

    // Once GitHub withdraws the old key, the next refresh of the list (hourly) stops accepting it.
    gh.withdraw(old.identifier);
    h.clock.advance(3_600_000);
    const gone = await post(body3, gh.sign(body3, old));
    expect(gone.status).toBe(401);
    expect(gh.fetches()).toBe(fetches + 2);
    expect(await status(c3.pair)).toBe(200);
  });

  it('an unknown identifier: exactly one refetch, then 401; a flood of identifiers costs at most one fetch a minute', async () => {
    h.clock.advance(61_000);
    const c = await customer();
    const body = JSON.stringify([match(c.pair.secretKey)]);
    const fetches = gh.fetches();
    const made = await post(body, gh.sign(body, gh.current(), randomBytes(32).toString('hex')));
    expect(made.status).toBe(401);
    expect(made.body.code).toBe('INVALID_SIGNATURE');
    expect(gh.fetches()).toBe(fetches + 1);

    const flood = await Promise.all(Array.from({ length: 25 }, () => post(body, gh.sign(body, gh.current(), randomBytes(32).toString('hex')))));
    expect(flood.map((r) => r.status)).toEqual(Array(25).fill(401));
    expect(gh.fetches()).toBe(fetches + 1);

    h.clock.advance(60_000);
    const flood2 = await Promise.all(Array.from({ length: 25 }, () => post(body, gh.sign(body, gh.current(), randomBytes(32).toString('hex')))));
    expect(flood2.map((r) => r.status)).toEqual(Array(25).fill(401));
    expect(gh.fetches()).toBe(fetches + 2);
    expect(await status(c.pair)).toBe(200);
    // Known keys keep working throughout.
    expect((await post(body)).status).toBe(200);
  });

  it('a body of 1,000 tokens', async () => {
    const live = await Promise.all([customer({ policy: 'roll' }), customer()]);
    const matches = [
      ...live.map((c) => match(c.pair.secretKey)),
      ...Array.from({ length: 998 }, (_, i) => match(i % 2 ? formatToken('secret', 'live') : `kwsk_live_${randomUUID().replace(/-/g, '').slice(0, 36).padEnd(36, 'Z')}`)),
    ];
    const incidents = await count('leak_incidents');
    const body = JSON.stringify(matches);
    const res = await post(body);
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(1_000);
    expect(res.body.map((f: { token_hash: string }) => f.token_hash)).toEqual(matches.map((m) => sha(m.token)));
    expect(res.body.filter((f: { label: string }) => f.label === 'true_positive')).toHaveLength(2);
    expect(await count('leak_incidents')).toBe(incidents + 1_000);
    expect((await h.call('GET', `/v1/keys/${live[0].key.id}`, { creds: live[0].org.creds })).body.status).toBe('rolled');
    expect((await h.call('GET', `/v1/keys/${live[1].key.id}`, { creds: live[1].org.creds })).body.status).toBe('revoked');
  });

  it('a body over the size limit is refused before anything else', async () => {
    const big = JSON.stringify([match('kwsk_live_' + 'a'.repeat(36), 'https://github.com/x/' + 'y'.repeat(9 * 1024 * 1024))]);
    const res = await post(big, gh.sign('[]'));
    expect(res.status).toBe(413);
    expect(res.body.code).toBeTypeOf('string');
  });

  it('a redelivered batch does nothing twice: same answer, no new incident, key, roll or webhook', async () => {
    const c = await customer({ policy: 'roll', webhook: true });
    const m = [match(c.pair.secretKey), match('kwsk_live_' + 'q'.repeat(36))];
    const body = JSON.stringify(m);
    const headers = gh.sign(body);
    const before = hooks.received.length;
    const first = await post(body, headers);
    await hooks.waitFor(before + 1);
    const snapshot = { incidents: await count('leak_incidents'), keys: await count('api_keys'), deliveries: await count('webhook_deliveries') };
    const again = await post(body, headers);
    const concurrent = await Promise.all([post(body, headers), post(body, headers)]);
    for (const r of [again, ...concurrent]) {
      expect(r.status).toBe(200);
      expect(r.body).toEqual(first.body);
    }
    expect({ incidents: await count('leak_incidents'), keys: await count('api_keys'), deliveries: await count('webhook_deliveries') }).toEqual(snapshot);
    const key = await h.call('GET', `/v1/keys/${c.key.id}`, { creds: c.org.creds });
    expect(key.body.status).toBe('rolled');
    // The same token at another URL is another match: recorded, but the key is not rolled twice.
    const elsewhere = await post(JSON.stringify([match(c.pair.secretKey)]));
    expect(elsewhere.body[0].label).toBe('true_positive');
    expect(await count('leak_incidents')).toBe(snapshot.incidents + 1);
    expect(await count('api_keys')).toBe(snapshot.keys);
  });

  it('a webhook the receiver answers with 500 is retried with backoff until it is accepted', async () => {
    const c = await customer({ webhook: true });
    const before = hooks.received.length;
    hooks.failNext(1, 500);
    await post(JSON.stringify([match(c.pair.secretKey)]));
    const [failed] = (await hooks.waitFor(before + 1)).slice(before);
    expect(failed.answered).toBe(500);
    const id = failed.headers['x-keywarden-delivery'];
    type Row = { state: string; attempts: number; last_status: number | null; next_attempt_at: Date | string };
    // The receiver records the 500 before the dispatcher has written it down: wait for that.
    const pending = await until(async () => {
      const rows = await h.store.db.query<Row>('SELECT state, attempts, last_status, next_attempt_at FROM webhook_deliveries WHERE id = $1', [id]);
      return rows[0]?.last_status !== null ? rows[0] : undefined;
    });
    expect(pending).toMatchObject({ state: 'pending', attempts: 1, last_status: 500 });
    expect(new Date(pending.next_attempt_at).getTime()).toBe(h.clock.now().getTime() + 1_000);
    h.clock.advance(1_000);
    const [retried] = (await hooks.waitFor(before + 2)).slice(before + 1);
    expect(retried.answered).toBe(204);
    expect(retried.body).toBe(failed.body);
    expect(retried.headers['x-keywarden-delivery']).toBe(failed.headers['x-keywarden-delivery']);
    expect(verifySignatureHeader(c.webhookSecret!, retried.body, retried.headers['x-keywarden-signature'] as string, Math.floor(h.clock.now().getTime() / 1000))).toBe(true);
    const delivered = await until(async () => {
      const rows = await h.store.db.query<Row>('SELECT state, attempts, last_status, next_attempt_at FROM webhook_deliveries WHERE id = $1', [id]);
      return rows[0].state === 'pending' ? undefined : rows[0];
    });
    expect(delivered).toMatchObject({ state: 'delivered', attempts: 2, last_status: 204 });
  });

  it('the partner policy is changed only by a live organization key with every product and account', async () => {
    const org = await h.org('live');
    expect((await h.call('GET', '/v1/organizations/me', { creds: org.creds })).body.githubPartnerPolicy).toBe('revoke');
    const scoped = await h.call('POST', '/v1/keys', { creds: org.creds, body: { level: 'organization', mode: 'live', products: ['keys', 'webhooks'] } });
    const denied = await h.call('PATCH', '/v1/organizations/me', { creds: pairOf(scoped.body), body: { githubPartnerPolicy: 'roll' } });
    expect(denied.status).toBe(403);
    expect((await h.call('PATCH', '/v1/organizations/me', { creds: org.creds, body: { githubPartnerPolicy: 'sometimes' } })).body.code).toBe('VALIDATION_FAILED');
    expect((await h.call('GET', '/v1/organizations/me', { creds: org.creds })).body.githubPartnerPolicy).toBe('revoke');
    expect((await h.call('PATCH', '/v1/organizations/me', { creds: org.creds, body: { githubPartnerPolicy: 'roll' } })).body.githubPartnerPolicy).toBe('roll');
  });

  it('webhooks are listed without their secret, kept sealed, and deleted', async () => {
    const org = await h.org('live');
    const idem = randomUUID();
    const created = await h.call('POST', '/v1/webhooks', { creds: org.creds, idem, body: { url: hooks.url, events: ['incident.created'] } });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    const replay = await h.call('POST', '/v1/webhooks', { creds: org.creds, idem, body: { url: hooks.url, events: ['incident.created'] } });
    expect(replay.body.secret).toBe(created.body.secret);
    const stored = JSON.stringify([...(await h.store.db.query('SELECT * FROM webhook_endpoints')), ...(await h.store.db.query('SELECT * FROM idempotency_records'))]);
    expect(stored).not.toContain(created.body.secret);
    const list = await h.call('GET', '/v1/webhooks', { creds: org.creds });
    expect(list.body.data).toEqual([expect.objectContaining({ id: created.body.id, url: hooks.url, events: ['incident.created'], secretPreview: created.body.secretPreview })]);
    expect(JSON.stringify(list.body)).not.toContain(created.body.secret);
    expect((await h.call('POST', '/v1/webhooks', { creds: org.creds, body: { url: 'ftp://x', events: ['incident.created'] } })).body.code).toBe('VALIDATION_FAILED');
    expect((await h.call('POST', '/v1/webhooks', { creds: org.creds, body: { url: hooks.url, events: ['key.rolled'] } })).body.code).toBe('VALIDATION_FAILED');
    const other = await h.org('live');
    expect((await h.call('DELETE', `/v1/webhooks/${created.body.id}`, { creds: other.creds })).status).toBe(404);
    expect((await h.call('DELETE', `/v1/webhooks/${created.body.id}`, { creds: org.creds })).status).toBe(200);
    expect((await h.call('GET', '/v1/webhooks', { creds: org.creds })).body.data).toEqual([]);
  });
});
