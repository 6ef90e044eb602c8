// The App's side of the chaos run, in a process of its own (forked by bench/rotation/webhookBurst.ts),
// as in production: `keywarden serve`, a scan worker and the redelivery sweeper. Settings
// arrive in CHAOS_APP (JSON); pino logs go to stdout, which the parent keeps and searches for
// raw secrets. Sends { url } once the server listens; SIGTERM closes everything.
import { generateKeyPairSync } from 'node:crypto';
import { pino } from 'pino';
import { startServer } from '../../src/app/server.js';
import { startScanWorker } from '../../src/app/scanWorker.js';
import { createRedeliverySweeper } from '../../src/app/redeliverySweeper.js';
import { gitHubApp } from '../../src/github/client.js';

interface ChaosAppConfig {
  redisUrl: string;
  prefix: string;
  githubUrl: string;
  webhookSecret: string;
  sweepIntervalMs: number;
}

const cfg = JSON.parse(process.env.CHAOS_APP ?? '{}') as ChaosAppConfig;
const log = pino({ level: 'info', base: { pid: process.pid, process: 'chaos-app' } });
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const retry = { retries: 6, baseDelayMs: 50, maxDelayMs: 1_000 };
const common = { appId: 1, privateKey, baseUrl: cfg.githubUrl, prefix: cfg.prefix, log };
const server = await startServer({ ...common, webhookSecret: cfg.webhookSecret, redis: cfg.redisUrl, port: 0 });
const worker = startScanWorker({ ...common, redis: cfg.redisUrl, allowLocalClone: true, handleSignals: false, concurrency: 4, githubRetry: retry });
const app = gitHubApp({ ...common, retry });
const sweeper = createRedeliverySweeper({ github: () => app.app(), redis: cfg.redisUrl, prefix: cfg.prefix, log, intervalMs: cfg.sweepIntervalMs });
sweeper.start(1_000);
process.send?.({ url: server.url });
process.once('SIGTERM', () => {
  void Promise.allSettled([sweeper.close(), worker.close(), server.close()]).then(() => process.exit(0));
});
