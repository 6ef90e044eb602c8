// `keywarden worker`: consumes the `scan` and/or `rotate` queues. Scale by running more.
// Heavy modules are imported when the command runs; each worker (src/app/scanWorker.ts,
// src/app/rotateWorkerFromEnv.ts) is loaded only when asked for.
import type { Command } from 'commander';

const KNOWN_QUEUES = ['scan', 'rotate'] as const;

export function registerWorkerCommand(program: Command): void {
  program
    .command('worker')
    .description('run queue workers: scan pushes and pull requests, rotate leaked keys')
    .option('--queues <list>', 'comma-separated queues to consume: scan, rotate', 'scan,rotate')
    .addHelpText(
      'after',
      `
Environment:
  APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH   the GitHub App's settings
  REDIS_URL            queue backend (default redis://127.0.0.1:6379)
  GHE_HOST / GITHUB_API_URL   GitHub Enterprise Server host / full REST API root
  GHE_PROTOCOL         http for a GHES behind a plain-http proxy (default https)
  SCAN_CONCURRENCY     scan jobs at once per process (default 2)
  SCAN_MAX_COMMITS, SCAN_MAX_BYTES   caps per scan job (default 500 commits, 50 MiB)
  REDELIVERY_INTERVAL_S   how often to redeliver webhooks that failed (Redis was down):
                       default 300, 0 turns the sweeper off
  REDELIVERY_LOOKBACK_H   how far back to look for failed deliveries (default 6, at most 71)
  OPS_PORT, OPS_HOST   serve /metrics of this process there (METRICS_PORT: older name)
  SHUTDOWN_GRACE_SECONDS   on SIGTERM, how long jobs in flight may finish (default 10)
  KEYWARDEN_HEARTBEAT_FILE   heartbeat for \`keywarden healthcheck\`
  KEYSERVICE_URL, KEYSERVICE_PUBLIC_KEY, KEYSERVICE_SECRET_KEY   rotation (rotate queue);
                       all unset: scan and report only, rotation off
SIGTERM: takes no new jobs, gives jobs in flight SHUTDOWN_GRACE_SECONDS, hands those still
running back to the queue for another worker, and exits within 25 s.`,
    )
    .action(async (opts: { queues: string }) => {
      const queues = opts.queues.split(',').map((q) => q.trim()).filter(Boolean);
      const unknown = queues.filter((q) => !(KNOWN_QUEUES as readonly string[]).includes(q));
      if (unknown.length > 0 || queues.length === 0) {
        throw Object.assign(new Error(`unknown queue(s) ${unknown.join(', ') || '(none)'}: use --queues scan,rotate`), { code: 'USAGE' });
      }
      const { pino } = await import('pino');
      const { appEnv } = await import('../app/env.js');
      const log = pino({ name: 'keywarden-worker', level: process.env.LOG_LEVEL ?? 'info' });
      const env = appEnv(process.env, { webhookSecret: false });
      const redelivery = (await import('../app/redeliverySweeper.js')).redeliverySettingsFromEnv(process.env);
      const closers: Array<() => Promise<void>> = [];
      // No KEYSERVICE_* at all: a deployment without rotation (the README's "Run it"). Scan and
      // report, and say once that rotation is off. Some but not all of them set is a mistake,
      // which the rotate worker reports (exit 2) rather than guess.
      const keyServiceVars = ['KEYSERVICE_URL', 'KEYSERVICE_PUBLIC_KEY', 'KEYSERVICE_SECRET_KEY'];
      const rotationOff = keyServiceVars.every((k) => !process.env[k]);
      if (rotationOff) log.warn({ queues }, `rotation is off: ${keyServiceVars.join(', ')} are unset, so leaked keys are reported but not rolled (set all three to enable rotation)`);

      if (queues.includes('scan')) {
        const { startScanWorker } = await import('../app/scanWorker.js');
        // With a key service, the baseline issue lists each leaked key's state from its verify.
        const keyService = process.env.KEYSERVICE_URL && process.env.KEYSERVICE_PUBLIC_KEY && process.env.KEYSERVICE_SECRET_KEY
          ? (await import('../rotation/keyServiceRotator.js')).KeyServiceRotator.fromEnv()
          : undefined;
        const num = (v: string | undefined) => (v && Number.isInteger(Number(v)) && Number(v) > 0 ? Number(v) : undefined);
        const scan = startScanWorker({
          redis: env.redisUrl,
          prefix: process.env.BULLMQ_PREFIX,
          concurrency: num(process.env.SCAN_CONCURRENCY),
          appId: env.appId,
          privateKey: env.privateKey,
          baseUrl: env.baseUrl,
          webUrl: env.webUrl,
          gheHost: env.gheHost,
          maxCommits: num(process.env.SCAN_MAX_COMMITS),
          maxBytes: num(process.env.SCAN_MAX_BYTES),
          allowLocalClone: process.env.KEYWARDEN_ALLOW_FILE_CLONE === '1',
          rotation: !rotationOff,
          keyStates: keyService,
          log,
          handleSignals: false,
        });
        closers.push(scan.close);
      }
      if (queues.includes('rotate') && !rotationOff) {
        const { startRotateWorkerFromEnv } = await import('../app/rotateWorkerFromEnv.js');
        const rotate = await startRotateWorkerFromEnv({ log, handleSignals: false });
        closers.push(rotate.close);
      }
      // Webhooks answered 503 while Redis was down: GitHub keeps them as failed deliveries and
      // never sends them again by itself; the sweeper asks it to, once Redis is back.
      if (redelivery) {
        const { createRedeliverySweeper } = await import('../app/redeliverySweeper.js');
        const { gitHubApp } = await import('../github/client.js');
        const github = gitHubApp({ appId: env.appId, privateKey: env.privateKey, baseUrl: env.baseUrl, log });
        const sweeper = createRedeliverySweeper({ github: () => github.app(), redis: env.redisUrl, prefix: process.env.BULLMQ_PREFIX ?? 'bull', log, ...redelivery });
        sweeper.start();
        closers.push(sweeper.close);
      }
      const { opsAddress, startOpsServer } = await import('../app/opsServer.js');
      const ops = opsAddress(process.env);
      if (ops) {
        const { collectProcessMetrics } = await import('../queue/metrics.js');
        collectProcessMetrics();
        const server = await startOpsServer({ ...ops, log });
        log.info({ url: server.url }, 'serving /metrics on the ops port');
        closers.push(server.close);
      }
      // For `keywarden healthcheck` (the image's HEALTHCHECK): this process has no /healthz.
      const { heartbeatFile, startHeartbeat } = await import('../queue/heartbeat.js');
      const heartbeat = startHeartbeat({ file: heartbeatFile(process.env), redis: env.redisUrl });
      closers.push(heartbeat.stop);
      log.info({ queues }, 'keywarden worker started');
      // SIGTERM: no new jobs; jobs in flight get a short grace, then go back to the queue for
      // another worker; the process exits within SHUTDOWN_DEADLINE_MS whatever hangs.
      const { exitOnSignals } = await import('../queue/shutdown.js');
      exitOnSignals(() => Promise.allSettled(closers.map((c) => c())), log, 'keywarden worker');
    });
}
