// Which GitHub errors mean the App lost the installation (uninstalled or suspended), shaped as
// Octokit's RequestError carries them: status, the request's URL, GitHub's JSON answer.
import { describe, expect, it } from 'vitest';
import { installationLossOf } from '../../src/github/installationAccess.js';

const TOKEN_URL = 'https://api.github.com/app/installations/42/access_tokens';
const err = (status: number, url: string, message: string, headers: Record<string, string> = {}) => ({ status, message, request: { url }, response: { headers, data: { message } } });

describe('installationLossOf', () => {
  it('reads 404 on the token request as uninstalled and 403 as suspended', () => {
    expect(installationLossOf(err(404, TOKEN_URL, 'Not Found'))).toBe('uninstalled');
    expect(installationLossOf(err(403, TOKEN_URL, 'This installation has been suspended'))).toBe('suspended');
  });

  it('reads "installation has been suspended" on any call as suspended (a token made before the suspension)', () => {
    expect(installationLossOf(err(403, 'https://api.github.com/repos/o/r/check-runs', 'This installation has been suspended'))).toBe('suspended');
  });

  it('leaves a 404 or 403 elsewhere, a rate-limited token request and a 5xx to the retries', () => {
    expect(installationLossOf(err(404, 'https://api.github.com/repos/o/r', 'Not Found'))).toBeUndefined();
    expect(installationLossOf(err(403, 'https://api.github.com/repos/o/r/issues', 'Resource not accessible by integration'))).toBeUndefined();
    expect(installationLossOf(err(403, TOKEN_URL, 'You have exceeded a secondary rate limit', { 'retry-after': '60' }))).toBeUndefined();
    expect(installationLossOf(err(403, TOKEN_URL, 'API rate limit exceeded', { 'x-ratelimit-remaining': '0' }))).toBeUndefined();
    expect(installationLossOf(err(502, TOKEN_URL, 'Server Error'))).toBeUndefined();
    expect(installationLossOf(new Error('fetch failed'))).toBeUndefined();
  });
});
