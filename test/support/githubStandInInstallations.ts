// Installations the App lost, as GitHub answers for them. Uninstalled: the token request is
// 404 and tokens made before are revoked (401 "Bad credentials"). Suspended: the token request
// is 403 "This installation has been suspended", and so is every call with an older token,
// until the installation is unsuspended. The token request's answers are checked against its
// documented responses in GitHub's OpenAPI description (which leaves 401 out of most others).
import type { HandlerInput, HandlerResult, StandInState } from './githubStandInHandlers.js';
import { documentsStatus, type OperationMatch } from './openapiContract.js';

const TOKEN_DOCS = 'https://docs.github.com/rest/apps/apps#create-an-installation-access-token-for-an-app';

/**
 * GitHub's refusal of this request because its installation is gone or suspended, if it is;
 * a string when the stand-in would answer what GitHub's description does not document.
 */
export function installationRefusal(state: StandInState, match: OperationMatch, token: string): HandlerResult | string | undefined {
  const tokenRequest = match.operationId === 'apps/create-installation-access-token';
  const installationId = tokenRequest ? Number(match.params.installation_id) : state.tokenInstallations.get(token);
  const loss = installationId === undefined ? undefined : state.lostInstallations.get(installationId);
  if (!loss) return undefined;
  let refusal: HandlerResult;
  if (loss === 'suspended') refusal = { status: 403, body: { message: 'This installation has been suspended', documentation_url: TOKEN_DOCS, status: '403' } };
  else if (tokenRequest) refusal = { status: 404, body: { message: 'Not Found', documentation_url: TOKEN_DOCS, status: '404' } };
  else refusal = { status: 401, body: { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest', status: '401' } };
  if (tokenRequest && !documentsStatus(match, refusal.status)) return `GitHub's description of ${match.operationId} documents no ${refusal.status} answer`;
  return refusal;
}

/** GET /app/installations/{installation_id}: 404 once uninstalled, `suspended_at` while suspended. */
export const installationHandlers: Record<string, (i: HandlerInput) => HandlerResult> = {
  'apps/get-installation': ({ params, state, baseUrl }) => {
    const id = Number(params.installation_id);
    const loss = state.lostInstallations.get(id);
    if (loss === 'uninstalled') return { status: 404, body: { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/apps/apps#get-an-installation-for-the-authenticated-app', status: '404' } };
    const account = { login: 'Codertocat', id: 21031067, type: 'Organization' };
    return {
      status: 200,
      body: {
        id, app_id: 1, app_slug: 'keywarden', target_id: account.id, target_type: account.type, account, single_file_name: null, repository_selection: 'all',
        access_tokens_url: `${baseUrl}/app/installations/${id}/access_tokens`, repositories_url: `${baseUrl}/installation/repositories`, html_url: `https://github.com/organizations/Codertocat/settings/installations/${id}`,
        events: ['push', 'pull_request'], permissions: { contents: 'read', checks: 'write' }, created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z',
        suspended_by: loss === 'suspended' ? account : null, suspended_at: loss === 'suspended' ? '2026-01-02T00:00:00Z' : null,
      },
    };
  },
};
