// The /v1 API: authentication first (a duplicate of a request still in flight is refused
// even before it), then what a key in its grace period may still do, then the product the
// route belongs to and the operation (both inside the idempotency guard for changes, so that
// a 403 is stored like any other first answer). Route → product:
//   /v1/accounts → accounts, /v1/keys* → keys, /v1/keys/verify → keys or leak-reports,
//   /v1/leaks → leak-reports, /v1/webhooks → webhooks, /v1/organizations/me → keys.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { JsonSchemaToTsProvider } from '@fastify/type-provider-json-schema-to-ts';
import { requireProduct, requireUsableInGrace } from './access.js';
import { createAccount, listAccounts } from './accounts.js';
import { authenticate } from './authenticate.js';
import type { Sql } from './database.js';
import { hmacHex } from './hashing.js';
import { duplicateRefusal, IDEMPOTENCY_HEADER, parseIdempotencyKey, REPLAY_HEADER, runIdempotent } from './idempotency.js';
import { InFlightRequests } from './inFlight.js';
import type { KeyRow } from './keyModel.js';
import { createKey, deleteKey, getKey, listKeys, rollKey, type Outcome } from './keyOperations.js';
import type { KeyStore } from './keyStore.js';
import { listIncidents, reportLeak, verifyToken } from './leakReports.js';
import type { AuthRateLimiter } from './rateLimiter.js';
import * as schemas from './schemas.js';
import { getOrganization, getOrganizationSchema, updateOrganization, updateOrganizationSchema } from './partner/policy.js';
import { createWebhook, createWebhookSchema, deleteWebhook, deleteWebhookSchema, listWebhooks, listWebhooksSchema } from './webhooks/endpoints.js';

export interface RouteContext {
  store: KeyStore;
  limiter: AuthRateLimiter;
  graceSeconds: number;
  idempotencyStaleSeconds: number;
  now: () => Date;
}

interface Caller {
  key: KeyRow;
  secret: string;
  secretHmac: string;
  now: Date;
}

const pathOf = (request: FastifyRequest): string => request.url.split('?')[0];

const callers = new WeakMap<FastifyRequest, Caller>();

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

export async function registerV1Routes(server: FastifyInstance, ctx: RouteContext): Promise<void> {
  const { store } = ctx;
  // Each route's request types come from its JSON schema (schemas.ts): no casts.
  const app = server.withTypeProvider<JsonSchemaToTsProvider>();

  const inFlight = new InFlightRequests();

  app.addHook('onRequest', async (request) => {
    const now = ctx.now();
    const secret = header(request, 'private-secret-key');
    const publicKey = header(request, 'public-api-key');
    const secretHmac = secret === undefined ? '' : hmacHex(store.pepper, secret);
    // A duplicate of a request still running is refused before it waits for the database.
    const idempotencyKey = header(request, IDEMPOTENCY_HEADER)?.toLowerCase();
    const running = publicKey && idempotencyKey ? inFlight.sameCaller(publicKey, idempotencyKey, secretHmac) : undefined;
    if (running && running.method === request.method && running.path === pathOf(request)) throw duplicateRefusal(running, request.method, pathOf(request));
    const key = await authenticate(store, ctx.limiter, { ip: request.ip, publicKey, secretKey: secret }, now);
    callers.set(request, { key, secret: secret as string, secretHmac, now });
  });

  const caller = (request: FastifyRequest): Caller => callers.get(request) as Caller;

  const send = (reply: FastifyReply, outcome: Outcome & { replayed?: boolean }) => {
    if (outcome.replayed) reply.header(REPLAY_HEADER, 'true');
    return reply.code(outcome.status).send(outcome.body);
  };

  /** Changes go through the idempotency guard and one transaction. */
  const change = async (request: FastifyRequest, reply: FastifyReply, product: string, operation: (tx: Sql, c: Caller) => Promise<Outcome>) => {
    const c = caller(request);
    const idempotencyKey = parseIdempotencyKey(request.headers[IDEMPOTENCY_HEADER]);
    // Decided before the guard: a key in grace never gets a stored answer back.
    requireUsableInGrace(c.key, c.now, [product], 'change');
    const outcome = await runIdempotent(
      {
        db: store.db,
        credentialId: c.key.id,
        inFlight: { registry: inFlight, publicKey: c.key.public_key, secretHmac: c.secretHmac },
        callerSecret: c.secret,
        idempotencyKey,
        method: request.method,
        path: pathOf(request),
        now: c.now,
        staleSeconds: ctx.idempotencyStaleSeconds,
      },
      // Inside the guard, so that a 403 is stored as the first answer like any other.
      (tx) => {
        requireProduct(c.key, product);
        return operation(tx, c);
      },
    );
    return send(reply, outcome);
  };

  /** Reads still validate the idempotency header, but have nothing to guard. */
  const read = async (request: FastifyRequest, reply: FastifyReply, products: string[], operation: (c: Caller) => Promise<Outcome>) => {
    const c = caller(request);
    parseIdempotencyKey(request.headers[IDEMPOTENCY_HEADER]);
    requireProduct(c.key, ...products);
    requireUsableInGrace(c.key, c.now, products, 'read');
    return send(reply, await operation(c));
  };

  app.post('/v1/accounts', { schema: schemas.createAccountSchema }, (request, reply) =>
    change(request, reply, 'accounts', (tx, c) => createAccount(tx, c.key, request.body, c.now)),
  );
  app.get('/v1/accounts', { schema: schemas.listAccountsSchema }, (request, reply) =>
    read(request, reply, ['accounts'], (c) => listAccounts(store.db, c.key)),
  );

  app.post('/v1/keys', { schema: schemas.createKeySchema }, (request, reply) =>
    change(request, reply, 'keys', (tx, c) => createKey(tx, store.pepper, c.key, request.body, c.now)),
  );
  app.get('/v1/keys', { schema: schemas.listKeysSchema }, (request, reply) =>
    read(request, reply, ['keys'], (c) => listKeys(store.db, c.key, c.now)),
  );
  app.post('/v1/keys/verify', { schema: schemas.verifySchema }, (request, reply) =>
    read(request, reply, ['keys', 'leak-reports'], (c) => verifyToken(store.db, c.key, request.body ?? {}, c.now)),
  );
  app.get('/v1/keys/:id', { schema: schemas.getKeySchema }, (request, reply) =>
    read(request, reply, ['keys'], (c) => getKey(store.db, c.key, request.params.id, c.now)),
  );
  app.post('/v1/keys/:id/roll', { schema: schemas.rollKeySchema }, (request, reply) =>
    change(request, reply, 'keys', (tx, c) => rollKey(tx, store.pepper, c.key, request.params.id, c.now, ctx.graceSeconds)),
  );
  app.delete('/v1/keys/:id', { schema: schemas.deleteKeySchema }, (request, reply) =>
    change(request, reply, 'keys', (tx, c) => deleteKey(tx, c.key, request.params.id, c.now)),
  );

  app.post('/v1/leaks', { schema: schemas.reportLeakSchema }, (request, reply) =>
    change(request, reply, 'leak-reports', (tx, c) => reportLeak(tx, store.pepper, c.key, request.body, c.now, ctx.graceSeconds)),
  );
  app.get('/v1/leaks', { schema: schemas.listLeaksSchema }, (request, reply) =>
    read(request, reply, ['leak-reports'], (c) => listIncidents(store.db, c.key)),
  );

  app.get('/v1/organizations/me', { schema: getOrganizationSchema }, (request, reply) =>
    read(request, reply, ['keys'], (c) => getOrganization(store.db, c.key)),
  );
  app.patch('/v1/organizations/me', { schema: updateOrganizationSchema }, (request, reply) =>
    change(request, reply, 'keys', (tx, c) => updateOrganization(tx, c.key, request.body)),
  );

  app.post('/v1/webhooks', { schema: createWebhookSchema }, (request, reply) =>
    change(request, reply, 'webhooks', (tx, c) => createWebhook(tx, store.pepper, c.key, request.body, c.now)),
  );
  app.get('/v1/webhooks', { schema: listWebhooksSchema }, (request, reply) =>
    read(request, reply, ['webhooks'], (c) => listWebhooks(store.db, c.key)),
  );
  app.delete('/v1/webhooks/:id', { schema: deleteWebhookSchema }, (request, reply) =>
    change(request, reply, 'webhooks', (tx, c) => deleteWebhook(tx, c.key, request.params.id, c.now)),
  );
}
