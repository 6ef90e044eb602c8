// X-Idempotency-Key, exactly as the contract says:
// - a UUID, scoped per credential (the caller's key id) and bound to its route (method and
//   path): used on another route it is 422 IDEMPOTENCY_KEY_REUSED, never another
//   operation's replay;
// - the first response is kept 24 h whatever its outcome, except 400 and 500, which are
//   forgotten so the caller can fix the request and resend it with the same key;
// - a duplicate that arrives while the first is running gets 400 REQUEST_IN_PROCESS, on
//   PGlite as on PostgreSQL (the in-process registry, inFlight.ts, on top of the row);
// - a duplicate with a different body (same route) gets the first response.
//
// How: a short transaction claims the key with an `in_process` row (the primary key makes
// concurrent claims race safely). The operation then runs in its own transaction, which
// also turns the row into `completed` with the response: the change and its record commit
// together. If the process dies in between, the operation's transaction never committed and
// the `in_process` row is simply stale: after `staleSeconds` a retry reclaims it.
//
// Responses that carry a new secret (an API secret key, a webhook signing secret) are not stored in clear: it is sealed with
// AES-256-GCM under a key derived from the caller's own secret and the idempotency key, so
// only the caller who could see the first response can read it again.
import { createCipheriv, createDecipheriv, createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { Database, Sql } from './database.js';
import { KeyServiceError } from './errors.js';
import type { InFlightRequest, InFlightRequests } from './inFlight.js';
import type { Outcome } from './keyOperations.js';

export const IDEMPOTENCY_HEADER = 'x-idempotency-key';
export const REPLAY_HEADER = 'idempotent-replayed';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const IDEMPOTENCY_TTL_MS = 24 * 3600 * 1000;

export function parseIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) return undefined;
  if (Array.isArray(header) || !UUID.test(header)) {
    throw new KeyServiceError(400, 'INVALID_IDEMPOTENCY_KEY', 'X-Idempotency-Key must be a UUID, e.g. 7bf41af5-70ae-4e79-9b28-a8fa75c3ac53.');
  }
  return header.toLowerCase();
}

export interface GuardContext {
  db: Database;
  credentialId: string;
  /** This process's registry of requests in flight, and the caller as it knows it. */
  inFlight?: { registry: InFlightRequests; publicKey: string; secretHmac: string };
  /** The caller's secret, used only to seal secrets inside stored responses. */
  callerSecret: string;
  idempotencyKey: string | undefined;
  method: string;
  /** The request path, without its query string. */
  path: string;
  now: Date;
  staleSeconds: number;
}

export interface GuardedOutcome extends Outcome {
  replayed: boolean;
}

interface RecordRow {
  state: 'in_process' | 'completed';
  method: string;
  path: string;
  response_status: number | null;
  response_body: Record<string, unknown> | null;
}

/** Runs `operation` in a transaction, at most once per idempotency key. */
export async function runIdempotent(ctx: GuardContext, operation: (tx: Sql) => Promise<Outcome>): Promise<GuardedOutcome> {
  if (ctx.idempotencyKey === undefined) {
    return { ...(await ctx.db.transaction(operation)), replayed: false };
  }
  return runOnce({ ...ctx, idempotencyKey: ctx.idempotencyKey }, operation);
}

async function runOnce(ctx: GuardContext & { idempotencyKey: string }, operation: (tx: Sql) => Promise<Outcome>): Promise<GuardedOutcome> {
  if (!ctx.inFlight) return claimAndRun(ctx, operation);
  const { registry, publicKey, secretHmac } = ctx.inFlight;
  const mine: InFlightRequest = { publicKey, idempotencyKey: ctx.idempotencyKey, secretHmac, method: ctx.method, path: ctx.path };
  const running = registry.claim(mine);
  if (running) throw duplicateRefusal(running, ctx.method, ctx.path);
  try {
    // PGlite runs its queries synchronously in this process, chained by microtasks only, so
    // while this request's transactions run Node reads no other request: a duplicate already
    // on the wire would only be read once this one is done, and get its replay. One full
    // event-loop turn (two setImmediate: the poll phase runs between them), with the claim
    // registered, lets waiting requests be read and refused as still in process. Measured: a
    // burst of 8 from another process on PGlite went from 1 run + 7 replays to 1 run,
    // 4 REQUEST_IN_PROCESS, 3 replays (Node reads about one new connection per turn).
    await turnOfEventLoop();
    return await claimAndRun(ctx, operation);
  } finally {
    registry.release(mine);
  }
}

const turnOfEventLoop = async (): Promise<void> => {
  await new Promise<void>((resolve) => setImmediate(resolve));
  await new Promise<void>((resolve) => setImmediate(resolve));
};

/** Why a request with a key that is already in flight (`running`) is refused. */
export function duplicateRefusal(running: Pick<InFlightRequest, 'method' | 'path'>, method: string, path: string): KeyServiceError {
  if (running.method !== method || running.path !== path) return reused(running);
  return new KeyServiceError(400, 'REQUEST_IN_PROCESS', 'A request with this X-Idempotency-Key is still in process; retry in a few seconds.');
}

const reused = (first: Pick<InFlightRequest, 'method' | 'path'>): KeyServiceError =>
  new KeyServiceError(422, 'IDEMPOTENCY_KEY_REUSED', `This X-Idempotency-Key was used for ${first.method} ${first.path}; send a new UUID for a different request.`);

async function claimAndRun(ctx: GuardContext & { idempotencyKey: string }, operation: (tx: Sql) => Promise<Outcome>): Promise<GuardedOutcome> {
  const attemptId = randomUUID();
  const existing = await claim(ctx, attemptId);
  if (existing) {
    if (existing.state === 'in_process' || existing.method !== ctx.method || existing.path !== ctx.path) throw duplicateRefusal(existing, ctx.method, ctx.path);
    return { status: existing.response_status as number, body: unseal(existing.response_body ?? {}, ctx), replayed: true };
  }
  try {
    return {
      ...(await ctx.db.transaction(async (tx) => {
        const outcome = await operation(tx);
        await complete(tx, ctx, attemptId, outcome);
        return outcome;
      })),
      replayed: false,
    };
  } catch (err) {
    const kept = err instanceof KeyServiceError && err.status !== 400 && err.status < 500;
    if (kept) {
      // The operation changed nothing, but its refusal is still "the first response".
      await ctx.db.transaction((tx) => complete(tx, ctx, attemptId, { status: err.status, body: err.toBody() }));
    } else {
      await ctx.db
        .query('DELETE FROM idempotency_records WHERE credential_id = $1 AND idempotency_key = $2 AND attempt_id = $3', [
          ctx.credentialId,
          ctx.idempotencyKey,
          attemptId,
        ])
        .catch(() => undefined);
    }
    throw err;
  }
}

/** Inserts our `in_process` row; returns the record that is already there, if any. */
async function claim(ctx: GuardContext, attemptId: string): Promise<RecordRow | null> {
  const staleBefore = new Date(ctx.now.getTime() - ctx.staleSeconds * 1000);
  return ctx.db.transaction(async (tx) => {
    await tx.query(`DELETE FROM idempotency_records WHERE state = 'completed' AND expires_at <= $1`, [ctx.now]);
    await tx.query(
      `DELETE FROM idempotency_records WHERE credential_id = $1 AND idempotency_key = $2 AND state = 'in_process' AND created_at <= $3`,
      [ctx.credentialId, ctx.idempotencyKey, staleBefore],
    );
    const inserted = await tx.query(
      `INSERT INTO idempotency_records (credential_id, idempotency_key, attempt_id, state, method, path, created_at, expires_at)
       VALUES ($1,$2,$3,'in_process',$4,$5,$6,$7) ON CONFLICT DO NOTHING RETURNING attempt_id`,
      [ctx.credentialId, ctx.idempotencyKey, attemptId, ctx.method, ctx.path, ctx.now, new Date(ctx.now.getTime() + IDEMPOTENCY_TTL_MS)],
    );
    if (inserted.length > 0) return null;
    const rows = await tx.query<RecordRow>(
      'SELECT state, method, path, response_status, response_body FROM idempotency_records WHERE credential_id = $1 AND idempotency_key = $2',
      [ctx.credentialId, ctx.idempotencyKey],
    );
    // Gone between our insert and select: it was being cleaned up; treat as still running.
    return rows[0] ?? { state: 'in_process', method: ctx.method, path: ctx.path, response_status: null, response_body: null };
  });
}

async function complete(tx: Sql, ctx: GuardContext, attemptId: string, outcome: Outcome): Promise<void> {
  const rows = await tx.query(
    `UPDATE idempotency_records SET state = 'completed', response_status = $4, response_body = $5, expires_at = $6
      WHERE credential_id = $1 AND idempotency_key = $2 AND attempt_id = $3 AND state = 'in_process' RETURNING 1`,
    [ctx.credentialId, ctx.idempotencyKey, attemptId, outcome.status, JSON.stringify(seal(outcome.body, ctx)), new Date(ctx.now.getTime() + IDEMPOTENCY_TTL_MS)],
  );
  if (rows.length === 0) {
    // Our claim went stale and another attempt took it over: let that one own the outcome.
    throw new KeyServiceError(400, 'REQUEST_IN_PROCESS', 'A request with this X-Idempotency-Key is still in process; retry in a few seconds.');
  }
}

const SEALED = '$sealed';

function sealingKey(ctx: GuardContext): Buffer {
  return createHmac('sha256', ctx.callerSecret).update(`keywarden-idempotency:${ctx.idempotencyKey}`).digest();
}

/** Response fields that carry a secret shown once: an API secret key, a webhook signing secret. */
const SECRET_FIELDS = ['secretKey', 'secret'] as const;

function seal(body: Record<string, unknown>, ctx: GuardContext): Record<string, unknown> {
  const out = { ...body };
  for (const field of SECRET_FIELDS) {
    const value = body[field];
    if (typeof value !== 'string') continue;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', sealingKey(ctx), iv);
    const data = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    out[field] = { [SEALED]: Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64') };
  }
  return out;
}

function unseal(body: Record<string, unknown>, ctx: GuardContext): Record<string, unknown> {
  const out = { ...body };
  for (const name of SECRET_FIELDS) {
    const field = body[name] as Record<string, string> | undefined;
    if (!field || typeof field !== 'object' || typeof field[SEALED] !== 'string') continue;
    const raw = Buffer.from(field[SEALED], 'base64');
    const decipher = createDecipheriv('aes-256-gcm', sealingKey(ctx), raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    out[name] = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
  return out;
}
