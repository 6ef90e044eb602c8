// The rotate worker as `keywarden worker` runs it: settings from the environment, GitHub
// through the App's installation tokens, the key service through its leak-reports
// credential. Without KEYSERVICE_* the worker refuses to start, saying what to set.
// Labels and fallback assignees come from the repository's `.github/keywarden.yml`.
import { pino, type Logger } from 'pino';
import { appEnv } from './env.js';
import { gitHubApp } from '../github/client.js';
import { redisRateLimitGate } from '../github/rateLimitGate.js';
import { openRedis } from '../queue/redis.js';
import { InvalidRepoConfig, loadRepoConfig } from './repoConfig.js';
import { KeyServiceRotator } from '../rotation/keyServiceRotator.js';
import { RotatorRegistry } from '../rotation/rotator.js';
import type { GitHubClient } from '../github/retry.js';
import { startRotateWorker, type RotateWorkerHandle } from '../rotation/rotateWorker.js';

export interface RotateWorkerEnvOptions {
  env?: NodeJS.ProcessEnv;
  log?: Logger;
  prefix?: string;
  handleSignals?: boolean;
}

export async function startRotateWorkerFromEnv(opts: RotateWorkerEnvOptions = {}): Promise<RotateWorkerHandle> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? pino({ name: 'keywarden-rotate', level: env.LOG_LEVEL ?? 'info' });
  const app = appEnv(env, { webhookSecret: false });
  const registry = new RotatorRegistry().register(KeyServiceRotator.fromEnv(env));
  // The client's hook is the one retry layer (github/retry.ts); ownerIssue sends its writes
  // once (ONE_TRY). The gate holds every call of an installation that GitHub rate-limited.
  const prefix = opts.prefix ?? env.BULLMQ_PREFIX;
  const gateConnection = openRedis(app.redisUrl);
  const github = gitHubApp({ appId: app.appId, privateKey: app.privateKey, baseUrl: app.baseUrl, log, gate: redisRateLimitGate(gateConnection, prefix ?? 'bull') });
  const concurrency = Number(env.ROTATE_CONCURRENCY ?? 4);
  return startRotateWorker({
    redis: app.redisUrl,
    prefix,
    concurrency: Number.isInteger(concurrency) && concurrency > 0 ? concurrency : 4,
    registry,
    github: async (installationId) => (await github.installation(installationId)) as unknown as GitHubClient,
    issueSettings: async (job) => {
      const octokit = await github.installation(job.installationId);
      const config = await loadRepoConfig(octokit as never, job.owner, job.repo);
      // A broken config is reported on the check run; the issue still goes out, with the
      // defaults plus whatever the file says validly.
      const usable = config instanceof InvalidRepoConfig ? config.usable : config;
      return { labels: usable.issues.labels, assignees: usable.issues.assignees, fallbackRepo: usable.notify.fallbackRepo };
    },
    log,
    handleSignals: opts.handleSignals,
    alsoClose: () => gateConnection.quit(),
  });
}
