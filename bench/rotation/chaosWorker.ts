// One rotate worker process for the chaos run (forked, and SIGKILLed, by bench/chaos.ts).
// Settings arrive in CHAOS_WORKER (JSON); pino logs go to stdout, which the parent keeps
// and searches for raw secrets.
import { Octokit } from '@octokit/rest';
import { pino } from 'pino';
import { startRotateWorker } from '../../src/rotation/rotateWorker.js';
import { RotatorRegistry } from '../../src/rotation/rotator.js';
import { KeyServiceRotator } from '../../src/rotation/keyServiceRotator.js';
import { withRetryHook } from '../../src/github/client.js';

interface ChaosWorkerConfig {
  redisUrl: string;
  prefix: string;
  keyServiceUrl: string;
  publicKey: string;
  secretKey: string;
  githubUrl: string;
  githubToken: string;
  concurrency: number;
}

const cfg = JSON.parse(process.env.CHAOS_WORKER ?? '{}') as ChaosWorkerConfig;
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const log = pino({ level: 'info', base: { pid: process.pid } });
startRotateWorker({
  redis: cfg.redisUrl,
  prefix: cfg.prefix,
  concurrency: cfg.concurrency,
  backoffBaseMs: 200,
  backoffMaxMs: 2_000,
  registry: new RotatorRegistry().register(
    new KeyServiceRotator({ baseUrl: cfg.keyServiceUrl, publicKey: cfg.publicKey, secretKey: cfg.secretKey, timeoutMs: 1_000, inProcessRetryMs: 500 }),
  ),
  // The workers' own retry layer (github/retry.ts), with short waits for the chaos run.
  github: async (installationId) => withRetryHook(new Octokit({ baseUrl: cfg.githubUrl, auth: cfg.githubToken, log: quiet }), installationId, { retry: { retries: 6, baseDelayMs: 50, maxDelayMs: 1_000 } }),
  issueSettings: async () => ({ labels: ['security'] }),
  log,
});
process.send?.({ ready: true });
