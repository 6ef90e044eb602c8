// `keywarden serve`: the webhook server. Registers the command only; Probot, BullMQ and
// fastify are imported when it runs.
import type { Command } from 'commander';

export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('receive GitHub webhooks and queue scans (also /healthz and /metrics)')
    .addHelpText(
      'after',
      `
Environment:
  APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET   the GitHub App's settings
  REDIS_URL          queue backend (default redis://127.0.0.1:6379)
  HOST, PORT         where to listen (default 127.0.0.1:3000; the Docker image sets HOST=0.0.0.0)
  GHE_HOST           GitHub Enterprise Server host: API at https://GHE_HOST/api/v3
  GHE_PROTOCOL       http for a GHES behind a plain-http proxy (default https)
  GITHUB_API_URL     full REST API root instead (tests, proxies); wins over GHE_HOST
  DASHBOARD_USER, DASHBOARD_PASSWORD   enable the queue dashboard at /admin/queues
  OPS_PORT, OPS_HOST serve /metrics and /admin/queues there, not on PORT (OPS_HOST default HOST)
Webhooks go to POST /api/github/webhooks.`,
    )
    .action(async () => {
      const { appEnv } = await import('../app/env.js');
      const { startServer } = await import('../app/server.js');
      const { opsAddress } = await import('../app/opsServer.js');
      const env = appEnv(process.env, { webhookSecret: true });
      const server = await startServer({
        appId: env.appId,
        privateKey: env.privateKey,
        webhookSecret: env.webhookSecret,
        redis: env.redisUrl,
        baseUrl: env.baseUrl,
        webUrl: env.webUrl,
        host: env.host,
        port: env.port,
        ops: opsAddress(process.env),
        extraRoutes: async (app, { queues }) => {
          const { mountDashboard } = await import('../queue/dashboard.js');
          await mountDashboard(app, { queues: [queues.scan, queues.rotate] });
        },
      });
      process.stderr.write(`keywarden serve: listening on ${server.url}${server.opsUrl ? ` (/metrics, /admin/queues on ${server.opsUrl})` : ''}\n`);
      const stop = () => void server.close().then(() => process.exit(0));
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
}
