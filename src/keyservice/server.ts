// The key service's HTTP server: fastify, one `{code, message}` error shape for everything
// (validation, unknown routes, unexpected failures), and logs that never carry a secret.
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import { KeyServiceError } from './errors.js';
import { answerClientError, frameworkReply, validationReply } from './httpErrors.js';
import { openMemoryKeyStore, type KeyStore } from './keyStore.js';
import { AuthRateLimiter, type RateLimiterOptions } from './rateLimiter.js';
import { registerV1Routes } from './routes.js';
import { GitHubSigningKeys } from './partner/githubKeys.js';
import { registerGitHubPartnerRoutes } from './partner/routes.js';
import { PARTNER_PATH } from './partner/secretScanning.js';
import { WebhookDispatcher, type DispatcherOptions } from './webhooks/dispatcher.js';

export const DEFAULT_GRACE_SECONDS = 43_200;
export const DEFAULT_IDEMPOTENCY_STALE_SECONDS = 60;

export interface KeyServiceOptions {
  store: KeyStore;
  /** How long a rolled key's old secret keeps working. Default KEYSERVICE_GRACE_SECONDS or 12 h. */
  graceSeconds?: number;
  /** The clock; injectable so tests can step through the grace period. */
  now?: () => Date;
  /** fastify logger: false (default), true, or pino options. */
  logger?: boolean | Record<string, unknown>;
  rateLimit?: RateLimiterOptions;
  /** After how long an unfinished idempotent request stops blocking its key (crash recovery). */
  idempotencyStaleSeconds?: number;
  /**
   * fastify's trustProxy, for running behind a reverse proxy: without it every client has the
   * proxy's IP, and the per-IP limit on failed authentication would lump them together.
   */
  trustProxy?: boolean | number | string;
  /** GitHub API for the secret-scanning signing keys. Default KEYSERVICE_GITHUB_API_URL or https://api.github.com. */
  githubApiUrl?: string;
  /** Spacing of signing-key fetches (default one a minute). */
  githubKeysMinFetchIntervalMs?: number;
  /** Organization webhook delivery: polling and retry backoff. */
  webhooks?: Omit<DispatcherOptions, 'db' | 'pepper' | 'now'>;
}

/** Paths that must never reach a log line. */
export const LOG_REDACT_PATHS = [
  'req.headers["private-secret-key"]',
  'req.headers.authorization',
  'headers["private-secret-key"]',
  'secretKey',
  '*.secretKey',
  'token',
  '*.token',
];

/** KEYSERVICE_TRUST_PROXY: `true`, a hop count, or comma-separated addresses/CIDRs. */
export function trustProxyFromEnv(env: NodeJS.ProcessEnv = process.env): boolean | number | string {
  const raw = env.KEYSERVICE_TRUST_PROXY;
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  return /^\d+$/.test(raw) ? Number(raw) : raw;
}

export function graceSecondsFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.KEYSERVICE_GRACE_SECONDS;
  if (raw === undefined || raw === '') return DEFAULT_GRACE_SECONDS;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error('KEYSERVICE_GRACE_SECONDS must be a whole number of seconds (default 43200 = 12 h).');
  return value;
}

export async function buildKeyService(options: KeyServiceOptions): Promise<FastifyInstance> {
  const now = options.now ?? (() => new Date());
  const logger =
    options.logger === undefined || options.logger === false
      ? false
      : { ...(options.logger === true ? {} : options.logger), redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' } };
  const app = Fastify({
    logger,
    trustProxy: (options.trustProxy ?? false) as FastifyServerOptions['trustProxy'],
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    // Bad percent-encoding, a path parameter over maxParamLength: fastify's own errors, our shape.
    frameworkErrors: (error, _request, reply) => {
      const { status, body } = frameworkReply(error.statusCode ?? 400, error.message);
      // frameworkErrors is typed generically over any route's reply; ours is the plain one.
      return (reply as FastifyReply).code(status).send(body);
    },
    clientErrorHandler: answerClientError,
  });

  // Empty bodies are fine (roll, delete); anything else must be JSON.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new KeyServiceError(400, 'VALIDATION_FAILED', 'The request body is not valid JSON.'), undefined);
    }
  });

  app.setErrorHandler((error: FastifyError | KeyServiceError, request, reply) => {
    if (error instanceof KeyServiceError) {
      return reply.code(error.status).headers(error.headers).send(error.toBody());
    }
    if ((error as FastifyError).validation) {
      const { status, body } = validationReply(error as FastifyError);
      return reply.code(status).send(body);
    }
    const status = (error as FastifyError).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      const framework = frameworkReply(status, error.message);
      return reply.code(framework.status).send(framework.body);
    }
    request.log.error({ err: { type: error.name, message: error.message, code: (error as FastifyError).code } }, 'unexpected error');
    return reply.code(500).send({ code: 'INTERNAL_ERROR', message: 'The key service failed unexpectedly; retry later. Nothing was stored for this request.' });
  });

  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ code: 'NOT_FOUND', message: `No route ${request.method} ${request.url.split('?')[0]}; see the README for the API.` }),
  );

  app.get('/healthz', async () => ({ ok: true }));

  const graceSeconds = options.graceSeconds ?? graceSecondsFromEnv();
  const idempotencyStaleSeconds = options.idempotencyStaleSeconds ?? DEFAULT_IDEMPOTENCY_STALE_SECONDS;
  const githubKeys = new GitHubSigningKeys({
    apiUrl: options.githubApiUrl ?? (process.env.KEYSERVICE_GITHUB_API_URL || undefined),
    token: process.env.KEYSERVICE_GITHUB_TOKEN || undefined,
    minFetchIntervalMs: options.githubKeysMinFetchIntervalMs,
    now,
  });
  await app.register(async (partner) =>
    registerGitHubPartnerRoutes(partner, { store: options.store, keys: githubKeys, graceSeconds, idempotencyStaleSeconds, now }),
  );
  const dispatcher = new WebhookDispatcher({ ...options.webhooks, db: options.store.db, pepper: options.store.pepper, now });
  app.addHook('onReady', async () => dispatcher.start());
  // Routes that record incidents may have queued webhook deliveries; the answer is sent after
  // their transaction committed, so the dispatcher finds them now.
  app.addHook('onResponse', async (request, reply) => {
    if (request.method === 'POST' && reply.statusCode === 200 && (request.url.startsWith(PARTNER_PATH) || request.url.startsWith('/v1/leaks'))) dispatcher.kick();
  });
  app.addHook('onClose', async () => dispatcher.stop());

  await app.register(async (v1) =>
    registerV1Routes(v1, {
      store: options.store,
      limiter: new AuthRateLimiter(options.store.db, options.rateLimit),
      graceSeconds,
      idempotencyStaleSeconds,
      now,
    }),
  );
  return app;
}

export interface StartKeyServiceOptions extends Partial<KeyServiceOptions> {
  port?: number;
  host?: string;
}

export interface RunningKeyService {
  url: string;
  app: FastifyInstance;
  store: KeyStore;
  close(): Promise<void>;
}

/** Starts the service in-process (an in-memory store when none is given) and listens. */
export async function startKeyService(options: StartKeyServiceOptions = {}): Promise<RunningKeyService> {
  const ownStore = options.store === undefined;
  const store = options.store ?? (await openMemoryKeyStore());
  const app = await buildKeyService({ ...options, store });
  const host = options.host ?? '127.0.0.1';
  await app.listen({ port: options.port ?? 0, host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  return {
    url: `http://${urlHost}:${port}`,
    app,
    store,
    async close() {
      await app.close();
      if (ownStore) await store.close();
    },
  };
}
