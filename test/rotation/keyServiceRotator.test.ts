// The leak-report client against the REAL key service (in-memory PGlite), with a
// fault-injecting proxy in front of it: 500s before and after the service acted, timeouts,
// REQUEST_IN_PROCESS. The invariant under every fault: a key is rolled at most once.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KeyServiceRotator } from '../../src/rotation/keyServiceRotator.js';
import { RotationError, idempotencyKeyFor, type RotationRequest } from '../../src/rotation/rotator.js';
import { FaultProxy } from './faultProxy.js';
import { startKeyServiceHarness, type KeyServiceHarness } from './keyServiceHarness.js';
import { sha256 } from './fixtures.js';

let ks: KeyServiceHarness;
let proxy: FaultProxy;
let client: KeyServiceRotator;

beforeAll(async () => {
  ks = await startKeyServiceHarness();
  proxy = new FaultProxy(ks.url);
  await proxy.start();
  // The proxy's hangs never end, so the timeout only bounds how long those tests wait; a
  // tighter one (300 ms) failed ordinary requests when the machine was loaded.
  client = new KeyServiceRotator({ baseUrl: proxy.url, ...ks.bot, timeoutMs: 1_500, inProcessRetryMs: 2_500 });
});
afterAll(async () => {
  await proxy.close();
  await ks.close();
});
beforeEach(() => {
  ks.clock.now = new Date('2026-11-23T21:00:00.000Z');
});

function requestFor(secret: string, over: Partial<RotationRequest> = {}): RotationRequest {
  return { secretHash: sha256(secret), idempotencyKey: idempotencyKeyFor(`rule:file:${sha256(secret)}`), sourceUrl: 'https://github.com/o/r/commit/abc', description: 'test leak', ...over };
}

async function rotationError(p: Promise<unknown>): Promise<RotationError> {
  const err = await p.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(RotationError);
  return err as RotationError;
}

describe('key service rotator: answers', () => {
  it('rolls an active secret key; the old key works for exactly the grace period', async () => {
    const key = await ks.issueKey('live');
    const result = await client.rotate(requestFor(key.secretKey));
    expect(result).toMatchObject({ outcome: 'rolled', via: 'report', keyId: key.id, mode: 'live', oldKeyExpiresAt: '2026-11-24T09:00:00.000Z' });
    expect(await ks.authenticates(key)).toBe(200);
    ks.clock.now = new Date(Date.parse('2026-11-24T09:00:01.000Z'));
    expect(await ks.authenticates(key)).toBe(401);
  });

  it('a repeat with the same idempotency key returns the first answer and rolls nothing more', async () => {
    const key = await ks.issueKey('live');
    const req = requestFor(key.secretKey);
    const first = await client.rotate(req);
    const again = await client.rotate(req);
    expect(again).toEqual(first);
    expect(await ks.rollsOf(req.secretHash)).toBe(1);
  });

  it('labels a key already in grace, a revoked key, a public key and an unknown hash', async () => {
    const key = await ks.issueKey('live');
    await client.rotate(requestFor(key.secretKey));
    const second = await client.rotate(requestFor(key.secretKey, { idempotencyKey: idempotencyKeyFor('another sighting') }));
    expect(second).toMatchObject({ outcome: 'already_rolled', oldKeyExpiresAt: '2026-11-24T09:00:00.000Z' });

    const doomed = await ks.issueKey('live');
    const del = await fetch(`${ks.url}/v1/keys/${doomed.id}`, { method: 'DELETE', headers: { 'public-api-key': ks.owner.publicKey, 'private-secret-key': ks.owner.secretKey } });
    expect(del.status).toBeLessThan(300);
    expect((await client.rotate(requestFor(doomed.secretKey))).outcome).toBe('revoked');
    expect((await client.rotate(requestFor(doomed.publicKey))).outcome).toBe('public');
    expect((await client.rotate(requestFor('not-a-key-we-know'))).outcome).toBe('unknown');
  });

  it('a 4xx other than REQUEST_IN_PROCESS is permanent, with a reason that says what to fix', async () => {
    const bad = new KeyServiceRotator({ baseUrl: proxy.url, publicKey: ks.bot.publicKey, secretKey: ks.owner.secretKey });
    const err = await rotationError(bad.rotate(requestFor('whatever')));
    expect(err.retryable).toBe(false);
    expect(err.status).toBe(401);
    expect(err.message).toMatch(/KEYSERVICE_PUBLIC_KEY/);
    const notUuid = await rotationError(client.rotate(requestFor('whatever', { idempotencyKey: 'not-a-uuid' })));
    expect(notUuid).toMatchObject({ retryable: false, status: 400 });
  });
});

describe('key service rotator: faults', () => {
  it('REQUEST_IN_PROCESS is retryable after a few seconds', async () => {
    proxy.next('in-process');
    const err = await rotationError(client.rotate(requestFor('x')));
    expect(err).toMatchObject({ code: 'REQUEST_IN_PROCESS', retryable: true, retryAfterMs: 2_500 });
  });

  it('a 500 before the service acted: retry verifies (active), resends, rolls once', async () => {
    const key = await ks.issueKey('live');
    const req = requestFor(key.secretKey);
    proxy.next('500-before');
    const firstSentAt = Date.now();
    const err = await rotationError(client.rotate(req));
    expect(err).toMatchObject({ retryable: true, status: 500 });
    const before = proxy.records.length;
    const result = await client.rotate({ ...req, firstSentAt });
    expect(result).toMatchObject({ outcome: 'rolled', via: 'report' });
    expect(proxy.records.slice(before).map((r) => r.path)).toEqual(['/v1/keys/verify', '/v1/leaks']);
    expect(await ks.rollsOf(req.secretHash)).toBe(1);
  });

  it('the answer lost after the service rolled (500 or timeout): verify shows our grace, nothing is resent', async () => {
    for (const fault of ['500-after', 'hang-after'] as const) {
      ks.clock.now = new Date();
      const key = await ks.issueKey('live');
      const req = requestFor(key.secretKey);
      const firstSentAt = Date.now();
      proxy.next(fault);
      const err = await rotationError(client.rotate(req));
      expect(err.retryable).toBe(true);
      if (fault === 'hang-after') expect(err.code).toBe('KEYSERVICE_TIMEOUT');
      const before = proxy.records.length;
      const result = await client.rotate({ ...req, firstSentAt });
      expect(result).toMatchObject({ outcome: 'rolled', via: 'verify', keyId: key.id });
      expect(Date.parse(result.oldKeyExpiresAt!) - Date.parse(result.rolledAt!)).toBe(ks.graceSeconds * 1000);
      expect(proxy.records.slice(before).map((r) => r.path)).toEqual(['/v1/keys/verify']);
      expect(await ks.rollsOf(req.secretHash)).toBe(1);
    }
  });

  it('a key someone rolled before our first attempt is reported as already rolled, not as ours', async () => {
    const key = await ks.issueKey('live');
    await client.rotate(requestFor(key.secretKey, { idempotencyKey: idempotencyKeyFor('someone else') }));
    const firstSentAt = ks.clock.now.getTime() + 60_000;
    ks.clock.now = new Date(firstSentAt + 1_000);
    const result = await client.rotate({ ...requestFor(key.secretKey), firstSentAt });
    expect(result.outcome).toBe('already_rolled');
    expect(await ks.rollsOf(sha256(key.secretKey))).toBe(1);
  });

  it('a timeout before the service saw the request, then success', async () => {
    const key = await ks.issueKey('live');
    const req = requestFor(key.secretKey);
    proxy.next('hang-before');
    const firstSentAt = Date.now();
    expect((await rotationError(client.rotate(req))).code).toBe('KEYSERVICE_TIMEOUT');
    const result = await client.rotate({ ...req, firstSentAt });
    expect(result).toMatchObject({ outcome: 'rolled', via: 'report' });
    expect(await ks.rollsOf(req.secretHash)).toBe(1);
  });

  it('never sends the raw secret: only its SHA-256', async () => {
    const key = await ks.issueKey('live');
    await client.rotate(requestFor(key.secretKey));
    expect(proxy.records.some((r) => r.body.includes(key.secretKey) || JSON.stringify(r.headers).includes(key.secretKey))).toBe(false);
  });
});

describe('key service host that does not resolve', () => {
  it('fails the attempt at once with a clear, retryable DNS error (the rotate queue backs off)', async () => {
    // RFC 6761: `.invalid` never resolves.
    const lost = new KeyServiceRotator({ baseUrl: 'http://keys.keywarden-test.invalid', ...ks.bot, timeoutMs: 20_000 });
    const key = await ks.issueKey('live');
    const err = (await lost.rotate(requestFor(key.secretKey)).catch((e: unknown) => e)) as RotationError;
    expect(err).toBeInstanceOf(RotationError);
    expect(err.code).toBe('KEYSERVICE_DNS_FAILURE');
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/cannot resolve keys\.keywarden-test\.invalid \((ENOTFOUND|EAI_AGAIN)\): check KEYSERVICE_URL/);
    expect(err.message).not.toContain(key.secretKey);
  });
});
