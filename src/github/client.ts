// GitHub clients for the workers (scan and rotate): one Probot per process (app JWT + installation token
// cache), installation clients on demand. Octokit's throttling plugin stays on for its write
// spacing (one content-creating request at a time, as GitHub asks), but never retries: Probot's
// default handler would sleep until x-ratelimit-reset and call again, a second retry layer
// hidden under ours. Every request goes through withGitHubRetry (retry.ts: the one retry layer,
// short waits only, longer ones become delayed jobs) behind the installation's rate-limit gate.
import { Probot, ProbotOctokit } from 'probot';
import type { Logger } from 'pino';
import { withGitHubRetry, type GitHubRetryOptions } from './retry.js';
import { installationLossFromApp, type InstallationLoss } from './installationAccess.js';
import type { RateLimitGate } from './rateLimitGate.js';

export type InstallationOctokit = InstanceType<typeof ProbotOctokit>;

export interface GitHubAppOptions {
  appId: string | number;
  privateKey: string;
  baseUrl?: string;
  log: Logger;
  retry?: GitHubRetryOptions;
  /** The installations' shared "limited until" (rateLimitGate.ts); without it, each call knows only its own limits. */
  gate?: RateLimitGate;
}

export interface GitHubApp {
  /** An Octokit authenticated as the installation, with retries. */
  installation(installationId: number): Promise<InstallationOctokit>;
  /** An Octokit authenticated as the App itself (its JWT): /app endpoints, e.g. webhook deliveries. */
  app(): Promise<InstallationOctokit>;
  /**
   * A short-lived installation token for git over HTTPS, narrowed to one repository and
   * `contents: read` (the installation's own token can write checks, issues... in every
   * repository it is installed on; git needs none of that). Never log it.
   */
  gitToken(installationId: number, repository: string): Promise<string>;
  /** Whether the installation is still there and active, asked as the App (installationAccess.ts). */
  installationLoss(installationId: number): Promise<InstallationLoss | undefined>;
}

// A function, not an object: Probot re-applies its own throttle options on top of ours for every
// client it builds (app and installation), and a defaults function runs last for each of them.
const noThrottleRetry = () => false;
const RetryingOctokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
  ...options,
  throttle: { ...(options.throttle as object | undefined), enabled: true, onRateLimit: noThrottleRetry, onSecondaryRateLimit: noThrottleRetry },
  retry: { enabled: false },
}));

/** The request hook of an Octokit: what withRetryHook needs of one (any Octokit has it). */
interface HookedOctokit {
  hook: InstallationOctokit['hook'];
}

/**
 * Sends every request of this installation's client through withGitHubRetry, behind the
 * installation's gate. Exported for clients built another way (tests, chaos) that must
 * behave as the workers' do.
 */
export function withRetryHook<O extends HookedOctokit>(octokit: O, installationId: number, opts: Pick<GitHubAppOptions, 'retry' | 'gate'> & { log?: Logger }): O {
  octokit.hook.wrap('request', (request, options) => {
    // `request: { retries: 0 }` (plugin-retry's spelling) marks a write that must not be
    // repeated blindly: GitHub may have acted before answering 5xx, so its caller looks
    // at what GitHub holds (on the job's next attempt) before trying again.
    const retries = (options.request as { retries?: number } | undefined)?.retries;
    const route = `${String(options.method)} ${String(options.url)}`;
    return withGitHubRetry(async () => request(options), opts.retry, { installationId, route, gate: opts.gate, log: opts.log, repeatable: retries !== 0 });
  });
  return octokit;
}

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
      return withRetryHook(octokit, installationId, opts);
    },
    async app() {
      // The App's own calls (its JWT) are limited apart from any installation's: gate 0 is the App's.
      return withRetryHook((await probot.auth()) as InstallationOctokit, 0, opts);
    },
    installationLoss: async (installationId) => installationLossFromApp(await probot.auth(), installationId),
    async gitToken(installationId, repository) {
      // Minted as the App (JWT), not taken from Probot's cache of the installation's full token:
      // POST /app/installations/{id}/access_tokens with the repository and the one permission.
      const app = withRetryHook((await probot.auth()) as InstallationOctokit, installationId, opts);
      const { data } = await app.request('POST /app/installations/{installation_id}/access_tokens', {
        installation_id: installationId,
        repositories: [repository],
        permissions: { contents: 'read' },
      });
      if (!data.token) throw new Error('GitHub returned no installation token');
      return data.token;
    },
  };
}
