// The rotate worker as `keywarden worker` runs it: settings from the environment, GitHub
// through the App's installation tokens, the key service through its leak-reports
// credential. Without KEYSERVICE_* the worker refuses to start, saying what to set.
// Labels and fallback assignees come from the repository's `.github/keywarden.yml`; with
// SMTP_URL set, `notify.email` there is mailed when GitHub cannot carry the owner's notice.
import { pino, type Logger } from 'pino';
import { appEnv } from './env.js';
import { gitHubApp } from '../github/client.js';
import { redisRateLimitGate } from '../github/rateLimitGate.js';
import { openRedis } from '../queue/redis.js';
import { InvalidRepoConfig, loadRepoConfig } from './repoConfig.js';
import { KeyServiceRotator } from '../rotation/keyServiceRotator.js';
import { RotatorRegistry } from '../rotation/rotator.js';
import type { GitHubClient } from '../github/retry.js';
import { startRotateWorker, type RotateWorkerHandle, type RotateWorkerOptions } from '../rotation/rotateWorker.js';
import { smtpSender } from '../rotation/emailNotice.js';

/** The sender of notify.email messages when SMTP_FROM does not name one. */
export const DEFAULT_SMTP_FROM = 'keywarden <keywarden@localhost>';

export interface RotateWorkerEnvOptions {
  env?: NodeJS.ProcessEnv;
  log?: Logger;
  prefix?: string;
  handleSignals?: boolean;
  /** Lock and stall tuning (tests on a loaded machine). */
  lock?: RotateWorkerOptions['lock'];
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
    github: async (installationId) => {
      const octokit = await github.installation(installationId);
      // The token first (one request mints it through the client's hook): an uninstalled App
      // (token 404) must show as such, not as a config file that could not be read (the
      // notify step then goes straight to email).
      await octokit.request('GET /installation/repositories', { per_page: 1 });
      return octokit as unknown as GitHubClient;
    },
    issueSettings: async (job) => {
      const octokit = await github.installation(job.installationId);
      const config = await loadRepoConfig(octokit as never, job.owner, job.repo);
      // A broken config is reported on the check run; the issue still goes out, with the
      // defaults plus whatever the file says validly.
      const usable = config instanceof InvalidRepoConfig ? config.usable : config;
      return { labels: usable.issues.labels, assignees: usable.issues.assignees, fallbackRepo: usable.notify.fallbackRepo, email: usable.notify.email };
    },
    email: env.SMTP_URL ? smtpSender(env.SMTP_URL, env.SMTP_FROM || DEFAULT_SMTP_FROM) : undefined,
    log,
    handleSignals: opts.handleSignals,
    alsoClose: () => gateConnection.quit(),
    lock: opts.lock,
  });
}
