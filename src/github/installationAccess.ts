// Whether an error means the App can no longer act for an installation. GitHub answers the
// installation token request (POST /app/installations/{id}/access_tokens) with 404 once the
// App is uninstalled, and with 403 "This installation has been suspended" while it is
// suspended; a token made before the suspension gets the same 403 on every call. Neither gets
// better by retrying: the caller ends its job for good instead of trying 5 times.
// Uninstalling also revokes the tokens made before, whose calls then answer 401 "Bad
// credentials"; a 401 alone does not say why, so the caller asks GitHub, as the App.

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


/** The App's own view of the installation: GET /app/installations/{id} is 404 once uninstalled. */
export async function installationLossFromApp(app: { request(route: string, params: Record<string, unknown>): Promise<{ data: unknown }> }, installationId: number): Promise<InstallationLoss | undefined> {
  try {
    const { data } = await app.request('GET /app/installations/{installation_id}', { installation_id: installationId });
    return (data as { suspended_at?: string | null }).suspended_at ? 'suspended' : undefined;
  } catch (err) {
    if ((err as HttpishError).status === 404) return 'uninstalled';
    throw err;
  }
}
