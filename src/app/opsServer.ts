// The operator's port (OPS_PORT): /metrics and, on `keywarden serve`, the queue dashboard
// (/admin/queues), away from the webhook port that GitHub must reach. Exposing the webhook
// port to the internet then exposes neither the metrics nor the dashboard's retry and delete
// buttons; the ops port can stay on a private network. `keywarden worker`, which has no
// webhook port, serves its /metrics here too.
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AppConfigError } from '../github/endpoints.js';
import { registry } from '../queue/metrics.js';

export interface OpsAddress {
  host: string;
  port: number;
}

/**
 * OPS_PORT (METRICS_PORT, its older name, is still read) and OPS_HOST (default HOST, then
 * 127.0.0.1). Undefined when no ops port is set: /metrics and the dashboard then stay on the
 * webhook port (serve), or are not served (worker).
 */
export function opsAddress(env: NodeJS.ProcessEnv): OpsAddress | undefined {
  const raw = env.OPS_PORT?.trim() || env.METRICS_PORT?.trim();
  if (!raw) return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new AppConfigError(`OPS_PORT must be a port number, not "${raw}"`);
  return { host: env.OPS_HOST?.trim() || env.HOST?.trim() || '127.0.0.1', port };
}

/** GET /metrics: the process's Prometheus registry. */
export function mountMetrics(app: FastifyInstance): void {
  app.get('/metrics', async (_req, reply) => reply.header('content-type', registry.contentType).send(await registry.metrics()));
}

export interface OpsServer {
  url: string;
  close(): Promise<void>;
}

/** Listens on the ops address with /metrics, plus whatever `routes` adds (the dashboard). */
export async function startOpsServer(o: OpsAddress & { log: Logger; routes?: (app: FastifyInstance) => Promise<void> | void }): Promise<OpsServer> {
  // forceCloseConnections: a scraper's keep-alive connection must not hold up a shutdown.
  const app = Fastify({ loggerInstance: o.log.child({ name: 'ops-http' }) as FastifyBaseLogger, forceCloseConnections: true });
  mountMetrics(app);
  await o.routes?.(app);
  await app.listen({ host: o.host, port: o.port });
  const { address, port } = app.server.address() as AddressInfo;
  const host = address.includes(':') ? `[${address}]` : address;
  return { url: `http://${host}:${port}`, close: () => app.close() };
}
