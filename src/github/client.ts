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
  /**
   * A short-lived installation token for git over HTTPS, narrowed to one repository and
   * `contents: read` (the installation's own token can write checks, issues... in every
   * repository it is installed on; git needs none of that). Never log it.
   */
  gitToken(installationId: number, repository: string): Promise<string>;
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
  return {
    async installation(installationId) {
      const octokit = (await probot.auth(installationId)) as InstallationOctokit;
      octokit.hook.wrap('request', (request, options) => {
        // `request: { retries: 0 }` (plugin-retry's spelling) marks a write that must not be
        // repeated blindly: GitHub may have acted before answering 5xx, so its caller looks
        // at what GitHub holds before trying again.
        const retries = (options.request as { retries?: number } | undefined)?.retries;
        return withGitHubRetry(async () => request(options), retries === undefined ? opts.retry : { ...opts.retry, retries });
      });
      return octokit;
    },
    async gitToken(installationId, repository) {
      // Minted as the App (JWT), not taken from Probot's cache of the installation's full token:
      // POST /app/installations/{id}/access_tokens with the repository and the one permission.
      const app = (await probot.auth()) as InstallationOctokit;
      const { data } = await withGitHubRetry(
        () => app.request('POST /app/installations/{installation_id}/access_tokens', { installation_id: installationId, repositories: [repository], permissions: { contents: 'read' } }),
        opts.retry,
      );
      if (!data.token) throw new Error('GitHub returned no installation token');
      return data.token;
    },
  };
}
