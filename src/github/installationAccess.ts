// Whether an error means the App can no longer act for an installation. GitHub answers the
// installation token request (POST /app/installations/{id}/access_tokens) with 404 once the
// App is uninstalled, and with 403 "This installation has been suspended" while it is
// suspended; a token made before the suspension gets the same 403 on every call. Neither gets
// better by retrying: the caller ends its job for good instead of trying 5 times.

export type InstallationLoss = 'uninstalled' | 'suspended';

interface HttpishError {
  status?: number;
  message?: string;
  request?: { url?: string };
  response?: { headers?: Record<string, unknown>; data?: unknown };
}

const TOKEN_URL = /\/app\/installations\/\d+\/access_tokens(?:[?#]|$)/;

/** A 403 that is GitHub's rate limiting, not a refusal (retry.ts waits those out). */
function rateLimited(e: HttpishError): boolean {
  const h = e.response?.headers ?? {};
  return h['retry-after'] !== undefined || h['x-ratelimit-remaining'] === '0' || /rate limit|abuse/i.test(`${e.message ?? ''} ${JSON.stringify(e.response?.data ?? '')}`);
}

export function installationLossOf(err: unknown): InstallationLoss | undefined {
  if (!err || typeof err !== 'object') return undefined;
  const e = err as HttpishError;
  const text = `${e.message ?? ''} ${JSON.stringify(e.response?.data ?? '')}`;
  if (e.status === 403 && /installation has been suspended/i.test(text)) return 'suspended';
  if (!TOKEN_URL.test(e.request?.url ?? '')) return undefined;
  if (e.status === 404) return 'uninstalled';
  if (e.status === 403 && !rateLimited(e)) return 'suspended';
  return undefined;
}

