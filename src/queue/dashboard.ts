// The BullMQ dashboard (@bull-board) for the `scan`, `rotate` and `rotate-notify` queues, on the
// `keywarden serve` Fastify server behind HTTP basic auth. It shows job data, which never
// holds a secret, but it can also retry and delete jobs: so no credentials, no dashboard.
import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Queue } from 'bullmq';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import { NOTIFY_QUEUE, ROTATE_QUEUE } from './queues.js';

export interface DashboardOptions {
  queues: Queue[];
  basePath?: string;
  user?: string;
  password?: string;
}

export const DASHBOARD_PATH = '/admin/queues';

/** Constant-time on equal-length digests, so neither content nor length leaks through timing. */
function sameSecret(a: string, b: string): boolean {
  const da = createHash('sha256').update(a).digest();
  const db = createHash('sha256').update(b).digest();
  return timingSafeEqual(da, db);
}

export function basicAuthAllows(header: string | undefined, user: string, password: string): boolean {
  if (!header || !header.startsWith('Basic ')) return false;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  // Evaluate both comparisons always: no early exit that would tell a right user from a wrong one.
  const userOk = sameSecret(decoded.slice(0, colon), user);
  const passOk = sameSecret(decoded.slice(colon + 1), password);
  return userOk && passOk;
}

/**
 * Mounts the dashboard when DASHBOARD_USER and DASHBOARD_PASSWORD are set (or given); returns
 * false, mounting nothing, otherwise.
 */
export async function mountDashboard(app: FastifyInstance, opts: DashboardOptions): Promise<boolean> {
  const user = opts.user ?? process.env.DASHBOARD_USER;
  const password = opts.password ?? process.env.DASHBOARD_PASSWORD;
  if (!user || !password) {
    app.log.info('queue dashboard disabled: set DASHBOARD_USER and DASHBOARD_PASSWORD to enable it');
    return false;
  }
  const basePath = opts.basePath ?? DASHBOARD_PATH;
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(basePath);
  // The rotate queue's second step (rotate-notify) lives beside it: show it too.
  const rotate = opts.queues.find((q) => q.name === ROTATE_QUEUE);
  const extra: Queue[] = [];
  if (rotate && !opts.queues.some((q) => q.name === NOTIFY_QUEUE)) {
    extra.push(new Queue(NOTIFY_QUEUE, { connection: rotate.opts.connection, prefix: rotate.opts.prefix }));
    app.addHook('onClose', async () => {
      await Promise.allSettled(extra.map((q) => q.close()));
    });
  }
  createBullBoard({ queues: [...opts.queues, ...extra].map((q) => new BullMQAdapter(q)), serverAdapter });

  await app.register(async (scope) => {
    scope.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
      if (basicAuthAllows(req.headers.authorization, user, password)) return;
      return reply
        .code(401)
        .header('www-authenticate', 'Basic realm="keywarden queues", charset="UTF-8"')
        .send({ code: 'DASHBOARD_AUTH_REQUIRED', message: 'Log in with DASHBOARD_USER / DASHBOARD_PASSWORD.' });
    });
    await scope.register(serverAdapter.registerPlugin(), { prefix: basePath });
  });
  return true;
}
