// GitHub clients for the workers (scan and rotate): one Probot per process (app JWT + installation token
// cache), installation clients on demand. We pass `throttle: { enabled: false }`, but Probot
// merges its own throttle defaults back in, so Octokit's write spacing stays on (measured: one
// issue or comment creation every ~3 s per process). That spacing is what GitHub asks of
// content-creating clients, so we keep it. Its secondary-limit handler only logs, though:
// every request also goes through withGitHubRetry, which retries 5xx and secondary rate
// limits (403/429 with retry-after) with jittered exponential backoff.
import { Probot, ProbotOctokit } from 'probot';
import type { Logger } from 'pino';
import { withGitHubRetry, type GitHubRetryOptions } from './retry.js';
import { installationLossFromApp, type InstallationLoss } from './installationAccess.js';

export type InstallationOctokit = InstanceType<typeof ProbotOctokit>;

export interface GitHubAppOptions {
  appId: string | number;
  privateKey: string;
  baseUrl?: string;
  log: Logger;
  retry?: GitHubRetryOptions;
}

export interface GitHubApp {
  /** An Octokit authenticated as the installation, with retries. */
  installation(installationId: number): Promise<InstallationOctokit>;
  /** An Octokit authenticated as the App itself (its JWT): /app endpoints, e.g. webhook deliveries. */
  app(): Promise<InstallationOctokit>;
  /** A short-lived installation token, for git over HTTPS. Never log it. */
  installationToken(octokit: InstallationOctokit): Promise<string>;
  /** Whether the installation is still there and active, asked as the App (installationAccess.ts). */
  installationLoss(installationId: number): Promise<InstallationLoss | undefined>;
}

const RetryingOctokit = ProbotOctokit.defaults({ throttle: { enabled: false }, retry: { enabled: false } });

export function gitHubApp(opts: GitHubAppOptions): GitHubApp {
  const probot = new Probot({
    appId: opts.appId,
    privateKey: opts.privateKey,
    baseUrl: opts.baseUrl,
    log: opts.log.child({ name: 'github' }) as never,
    Octokit: RetryingOctokit,
  });
  const withRetries = (octokit: InstallationOctokit): InstallationOctokit => {
    octokit.hook.wrap('request', (request, options) => {
      // `request: { retries: 0 }` (plugin-retry's spelling) marks a write that must not be
      // repeated blindly: GitHub may have acted before answering 5xx, so its caller looks
      // at what GitHub holds before trying again.
      const retries = (options.request as { retries?: number } | undefined)?.retries;
      return withGitHubRetry(async () => request(options), retries === undefined ? opts.retry : { ...opts.retry, retries });
    });
    return octokit;
  };
  return {
    async installation(installationId) {
      return withRetries((await probot.auth(installationId)) as InstallationOctokit);
    },
    async app() {
      return withRetries((await probot.auth()) as InstallationOctokit);
    },
    installationLoss: async (installationId) => installationLossFromApp(await probot.auth(), installationId),
    async installationToken(octokit) {
      // octokit.auth() on its own asks api.github.com for the token whatever baseUrl is (the app
      // auth strategy's request has no baseUrl under Probot); one request through the client's
      // own hook fetches and caches the token against the right host first.
      await octokit.request('GET /installation/repositories', { per_page: 1 });
      const auth = (await octokit.auth({ type: 'installation' })) as { token?: string };
      if (!auth.token) throw new Error('GitHub returned no installation token');
      return auth.token;
    },
  };
}
