// The /v1 API: authentication first, then the product the route belongs to, then the
// operation (inside the idempotency guard for changes). Route → product:
//   /v1/accounts → accounts, /v1/keys* → keys, /v1/keys/verify → keys or leak-reports,
//   /v1/leaks → leak-reports, /v1/webhooks → webhooks, /v1/organizations/me → keys.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { requireProduct } from './access.js';
import { createAccount, listAccounts } from './accounts.js';
import { authenticate } from './authenticate.js';
import type { Sql } from './database.js';
import { IDEMPOTENCY_HEADER, parseIdempotencyKey, REPLAY_HEADER, runIdempotent } from './idempotency.js';
import type { KeyRow } from './keyModel.js';
import { createKey, deleteKey, getKey, listKeys, rollKey, type CreateKeyBody, type Outcome } from './keyOperations.js';
import type { KeyStore } from './keyStore.js';
import { listIncidents, reportLeak, verifyToken, type LeakReportBody } from './leakReports.js';
import type { AuthRateLimiter } from './rateLimiter.js';
import * as schemas from './schemas.js';
import { getOrganization, getOrganizationSchema, updateOrganization, updateOrganizationSchema, type GitHubPartnerPolicy } from './partner/policy.js';
import { createWebhook, createWebhookSchema, deleteWebhook, deleteWebhookSchema, listWebhooks, listWebhooksSchema, type CreateWebhookBody } from './webhooks/endpoints.js';

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
  now: Date;
}

const callers = new WeakMap<FastifyRequest, Caller>();

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

export async function registerV1Routes(app: FastifyInstance, ctx: RouteContext): Promise<void> {
  const { store } = ctx;

  app.addHook('onRequest', async (request) => {
    const now = ctx.now();
    const secret = header(request, 'private-secret-key');
    const key = await authenticate(store, ctx.limiter, { ip: request.ip, publicKey: header(request, 'public-api-key'), secretKey: secret }, now);
    callers.set(request, { key, secret: secret as string, now });
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
    requireProduct(c.key, product);
    const outcome = await runIdempotent(
      {
        db: store.db,
        credentialId: c.key.id,
        callerSecret: c.secret,
        idempotencyKey,
        method: request.method,
        path: request.url,
        now: c.now,
        staleSeconds: ctx.idempotencyStaleSeconds,
      },
      (tx) => operation(tx, c),
    );
    return send(reply, outcome);
  };

  /** Reads still validate the idempotency header, but have nothing to guard. */
  const read = async (request: FastifyRequest, reply: FastifyReply, products: string[], operation: (c: Caller) => Promise<Outcome>) => {
    const c = caller(request);
    parseIdempotencyKey(request.headers[IDEMPOTENCY_HEADER]);
    requireProduct(c.key, ...products);
    return send(reply, await operation(c));
  };

  app.post('/v1/accounts', { schema: schemas.createAccountSchema }, (request, reply) =>
    change(request, reply, 'accounts', (tx, c) => createAccount(tx, c.key, request.body as { name: string }, c.now)),
  );
  app.get('/v1/accounts', { schema: schemas.listAccountsSchema }, (request, reply) =>
    read(request, reply, ['accounts'], (c) => listAccounts(store.db, c.key)),
  );

  app.post('/v1/keys', { schema: schemas.createKeySchema }, (request, reply) =>
    change(request, reply, 'keys', (tx, c) => createKey(tx, store.pepper, c.key, request.body as CreateKeyBody, c.now)),
  );
  app.get('/v1/keys', { schema: schemas.listKeysSchema }, (request, reply) =>
    read(request, reply, ['keys'], (c) => listKeys(store.db, c.key, c.now)),
  );
  app.post('/v1/keys/verify', { schema: schemas.verifySchema }, (request, reply) =>
    read(request, reply, ['keys', 'leak-reports'], (c) => verifyToken(store.db, c.key, (request.body ?? {}) as { token?: string; tokenHash?: string }, c.now)),
  );
  app.get('/v1/keys/:id', { schema: schemas.getKeySchema }, (request, reply) =>
    read(request, reply, ['keys'], (c) => getKey(store.db, c.key, (request.params as { id: string }).id, c.now)),
  );
  app.post('/v1/keys/:id/roll', { schema: schemas.rollKeySchema }, (request, reply) =>
    change(request, reply, 'keys', (tx, c) => rollKey(tx, store.pepper, c.key, (request.params as { id: string }).id, c.now, ctx.graceSeconds)),
  );
  app.delete('/v1/keys/:id', { schema: schemas.deleteKeySchema }, (request, reply) =>
    change(request, reply, 'keys', (tx, c) => deleteKey(tx, c.key, (request.params as { id: string }).id, c.now)),
  );

  app.post('/v1/leaks', { schema: schemas.reportLeakSchema }, (request, reply) =>
    change(request, reply, 'leak-reports', (tx, c) => reportLeak(tx, store.pepper, c.key, request.body as LeakReportBody, c.now, ctx.graceSeconds)),
  );
  app.get('/v1/leaks', { schema: schemas.listLeaksSchema }, (request, reply) =>
    read(request, reply, ['leak-reports'], (c) => listIncidents(store.db, c.key)),
  );

  app.get('/v1/organizations/me', { schema: getOrganizationSchema }, (request, reply) =>
    read(request, reply, ['keys'], (c) => getOrganization(store.db, c.key)),
  );
  app.patch('/v1/organizations/me', { schema: updateOrganizationSchema }, (request, reply) =>
    change(request, reply, 'keys', (tx, c) => updateOrganization(tx, c.key, request.body as { githubPartnerPolicy?: GitHubPartnerPolicy })),
  );

  app.post('/v1/webhooks', { schema: createWebhookSchema }, (request, reply) =>
    change(request, reply, 'webhooks', (tx, c) => createWebhook(tx, store.pepper, c.key, request.body as CreateWebhookBody, c.now)),
  );
  app.get('/v1/webhooks', { schema: listWebhooksSchema }, (request, reply) =>
    read(request, reply, ['webhooks'], (c) => listWebhooks(store.db, c.key)),
  );
  app.delete('/v1/webhooks/:id', { schema: deleteWebhookSchema }, (request, reply) =>
    change(request, reply, 'webhooks', (tx, c) => deleteWebhook(tx, c.key, (request.params as { id: string }).id, c.now)),
  );
}
