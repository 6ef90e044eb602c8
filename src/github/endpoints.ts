// Where GitHub is: api.github.com and github.com, a GitHub Enterprise Server (GHE_HOST), or
// another API root (GITHUB_API_URL: tests, proxies). Links keywarden writes use webUrl.

export class AppConfigError extends Error {
  readonly code = 'APP_CONFIG_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'AppConfigError';
  }
}

export interface GitHubEndpoints {
  /** REST API root: https://api.github.com, https://GHE_HOST/api/v3, or GITHUB_API_URL. */
  baseUrl: string;
  /** Web root for clone URLs: https://github.com or https://GHE_HOST. */
  webUrl: string;
  /** Set on GitHub Enterprise Server (features like credential revocation are absent there). */
  gheHost?: string;
}

export function githubEndpoints(env: NodeJS.ProcessEnv): GitHubEndpoints {
  const gheHost = env.GHE_HOST?.trim() || undefined;
  if (gheHost && !/^[A-Za-z0-9.-]+(:\d+)?$/.test(gheHost)) throw new AppConfigError(`GHE_HOST must be a host name (like github.example.com), not "${gheHost}"`);
  // GITHUB_API_URL wins: it is how tests (and proxies) point the App at another API root.
  const baseUrl = env.GITHUB_API_URL?.replace(/\/+$/, '') || (gheHost ? `https://${gheHost}/api/v3` : 'https://api.github.com');
  const webUrl = env.GITHUB_WEB_URL?.replace(/\/+$/, '') || (gheHost ? `https://${gheHost}` : 'https://github.com');
  return { baseUrl, webUrl, gheHost };
}
