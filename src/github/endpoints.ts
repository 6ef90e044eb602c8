// Where GitHub is: api.github.com and github.com, a GitHub Enterprise Server (GHE_HOST, over
// GHE_PROTOCOL: https, or http for a GHES behind a TLS-terminating proxy, as Probot reads
// them), or another API root (GITHUB_API_URL: tests, proxies). Links keywarden writes use webUrl.

/** github.com's roots: the defaults when nothing names another GitHub. */
export const GITHUB_COM_API_URL = 'https://api.github.com';
export const GITHUB_COM_WEB_URL = 'https://github.com';

export class AppConfigError extends Error {
  readonly code = 'APP_CONFIG_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'AppConfigError';
  }
}

export interface GitHubEndpoints {
  /** REST API root: https://api.github.com, GHE_PROTOCOL://GHE_HOST/api/v3, or GITHUB_API_URL. */
  baseUrl: string;
  /** Web root for clone URLs and links: https://github.com or GHE_PROTOCOL://GHE_HOST. */
  webUrl: string;
  /** Set on GitHub Enterprise Server (features like credential revocation are absent there). */
  gheHost?: string;
}

export function githubEndpoints(env: NodeJS.ProcessEnv): GitHubEndpoints {
  const gheHost = env.GHE_HOST?.trim() || undefined;
  if (gheHost && !/^[A-Za-z0-9.-]+(:\d+)?$/.test(gheHost)) throw new AppConfigError(`GHE_HOST must be a host name (like github.example.com), not "${gheHost}"`);
  const protocol = (env.GHE_PROTOCOL?.trim() || 'https').toLowerCase();
  if (protocol !== 'https' && protocol !== 'http') throw new AppConfigError(`GHE_PROTOCOL must be https or http, not "${env.GHE_PROTOCOL}"`);
  if (protocol === 'http' && !gheHost) throw new AppConfigError('GHE_PROTOCOL=http needs GHE_HOST: github.com is https only');
  // GITHUB_API_URL wins: it is how tests (and proxies) point the App at another API root.
  const baseUrl = env.GITHUB_API_URL?.replace(/\/+$/, '') || (gheHost ? `${protocol}://${gheHost}/api/v3` : GITHUB_COM_API_URL);
  const webUrl = env.GITHUB_WEB_URL?.replace(/\/+$/, '') || (gheHost ? `${protocol}://${gheHost}` : GITHUB_COM_WEB_URL);
  return { baseUrl, webUrl, gheHost };
}
