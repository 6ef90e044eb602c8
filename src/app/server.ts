// `keywarden serve`: one HTTP server (fastify) for webhooks, health and metrics; with an ops
// address (OPS_PORT), /metrics and the operator routes (the dashboard) move to a second
// server there instead (app/opsServer.ts).
// Webhooks bypass fastify's body parsing: Probot's node middleware reads the RAW body and
// verifies X-Hub-Signature-256 against it; a bad signature is answered 400 before any handler
// runs, so it never queues work. Everything else is a fastify route, so other parts (the
// queue dashboard) can add theirs through `extraRoutes`.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { Queue } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import { createNodeMiddleware, Probot, ProbotOctokit } from 'probot';
import { pino, type Logger } from 'pino';
import { keywardenApp } from './index.js';
import { ROTATE_QUEUE, SCAN_QUEUE } from '../queue/queues.js';
import type { RotateJobData } from '../rotation/rotateJobData.js';
import type { ScanJobData } from './scanJobData.js';
import { BaselineStore } from './baselineStore.js';
import { InstallationJobs } from './installationJobs.js';
import { enqueueScanJob } from './enqueueScan.js';
import { openProducerRedis, PRODUCER_COMMAND_TIMEOUT_MS, whileRedisUp } from '../queue/redis.js';
import { collectProcessMetrics, unwatchQueueDepths, watchQueueDepths, webhooksTotal } from '../queue/metrics.js';
import { mountMetrics, startOpsServer, type OpsAddress, type OpsServer } from './opsServer.js';

export const WEBHOOK_PATH = '/api/github/webhooks';

export interface ServerQueues {
  scan: Queue<ScanJobData>;
  rotate: Queue<RotateJobData>;
}

export interface ServerOptions {
  appId: string | number;
  privateKey: string;
  webhookSecret: string;
  redis: string | RedisOptions;
  /** BullMQ key prefix (tests use a unique one). */
  prefix?: string;
  /** REST API root, for the Octokit Probot builds (handlers make no calls; kept consistent). */
  baseUrl?: string;
  /** Web root used to build clone URLs from repository names (installation events). */
  webUrl?: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  log?: Logger;
  /**
   * Where /metrics and `extraRoutes` go instead of the webhook port (OPS_PORT; port 0 picks
   * a free one). Unset: they are served on the webhook port.
   */
  ops?: OpsAddress;
  /** The seam for operator routes (the queue dashboard): on the ops server when there is one. Runs before listen. */
  extraRoutes?: (app: FastifyInstance, ctx: { queues: ServerQueues; log: Logger }) => Promise<void> | void;
}

export interface RunningServer {
  url: string;
  /** The ops server's root, when `ops` was given. */
  opsUrl?: string;
  queues: ServerQueues;
  close(): Promise<void>;
}

export async function startServer(opts: ServerOptions): Promise<RunningServer> {
  const log = opts.log ?? pino({ name: 'keywarden-serve', level: process.env.LOG_LEVEL ?? 'info' });
  const connection = openProducerRedis(opts.redis);
  // Reconnects are ioredis's job; say once per outage that Redis is gone (webhooks get 503).
  let redisDown = false;
  connection.on('error', (err: Error) => {
    if (!redisDown) log.warn({ err: { name: err.name, message: err.message } }, 'Redis unreachable: webhooks are answered 503 until it is back');
    redisDown = true;
  });
  connection.on('ready', () => {
    if (redisDown) log.info('Redis is back');
    redisDown = false;
  });
  // Start taking webhooks with the connection up when Redis is there; when it is not, start
  // anyway (webhooks are answered 503, /healthz says why) rather than hang.
  if (connection.status !== 'ready') {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, PRODUCER_COMMAND_TIMEOUT_MS);
      connection.once('ready', done);
      function done() {
        clearTimeout(timer);
        connection.off('ready', done);
        resolve();
      }
    });
  }
  const prefix = opts.prefix ?? 'bull';
  const queues: ServerQueues = {
    scan: new Queue<ScanJobData>(SCAN_QUEUE, { connection, prefix }),
    rotate: new Queue<RotateJobData>(ROTATE_QUEUE, { connection, prefix }),
  };
  const installationJobs = new InstallationJobs(queues.scan, connection, prefix, new BaselineStore(connection, prefix));
  watchQueueDepths(queues.scan, queues.rotate);
  collectProcessMetrics();

  const probot = new Probot({
    appId: opts.appId,
    privateKey: opts.privateKey,
    secret: opts.webhookSecret,
    baseUrl: opts.baseUrl,
    log: log.child({ name: 'probot' }) as never,
    Octokit: ProbotOctokit,
  });
  const webhooks = await createNodeMiddleware(
    keywardenApp({
      enqueue: async (data) => {
        const { jobId, outcome } = await whileRedisUp(connection, () => enqueueScanJob(queues.scan, data));
        if (outcome === 'rerun') log.info({ jobId, deliveryId: data.deliveryId }, 'redelivered webhook: its scan had failed for good, running it again');
        return jobId;
      },
      findScan: async (jobId) => (/^scan-[0-9a-f]{32}$/.test(jobId) ? (await whileRedisUp(connection, () => queues.scan.getJob(jobId)))?.data : undefined),
      webUrl: opts.webUrl,
      // Walks the queue: given most of GitHub's 10 s instead of the usual 2 (a redelivery repeats it harmlessly).
      onInstallationChange: (change) => whileRedisUp(connection, () => installationJobs.apply(change), 8_000),
      onDelivery: (event, action) => webhooksTotal.inc({ event, action }),
    }),
    { probot, webhooksPath: WEBHOOK_PATH },
  );

  const app = Fastify({
    loggerInstance: log.child({ name: 'http' }) as FastifyBaseLogger,
    serverFactory: (handler) =>
      createServer((req: IncomingMessage, res: ServerResponse) => {
        if (req.url?.split('?')[0].replace(/\/+$/, '') === WEBHOOK_PATH) {
          void webhooks(req, res, () => handler(req, res));
          return;
        }
        handler(req, res);
      }),
  });
  app.get('/healthz', async (_req, reply) => {
    // Healthy means we can take webhooks: that needs Redis.
    const redisOk = await whileRedisUp(connection, () => connection.ping()).then(() => true, () => false);
    return reply.code(redisOk ? 200 : 503).send({ status: redisOk ? 'ok' : 'redis unavailable' });
  });
  let ops: OpsServer | undefined;
  if (opts.ops) {
    ops = await startOpsServer({ ...opts.ops, log, routes: (opsApp) => opts.extraRoutes?.(opsApp, { queues, log }) });
  } else {
    mountMetrics(app);
    await opts.extraRoutes?.(app, { queues, log });
  }

  try {
    await app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 3000 });
  } catch (err) {
    await ops?.close();
    throw err;
  }
  const { address, port } = app.server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  let closed: Promise<void> | null = null;
  return {
    url: `http://${host}:${port}`,
    opsUrl: ops?.url,
    queues,
    close() {
      closed ??= (async () => {
        await Promise.all([app.close(), ops?.close()]);
        unwatchQueueDepths(queues.scan, queues.rotate);
        await Promise.allSettled([queues.scan.close(), queues.rotate.close()]);
        await connection.quit().catch(() => undefined);
      })();
      return closed;
    },
  };
}
