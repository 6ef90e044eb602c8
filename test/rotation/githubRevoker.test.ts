import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGitHubStandIn, type GitHubStandIn } from '../support/githubStandIn.js';
import { revokeGitHubTokens } from '../../src/rotation/githubRevoker.js';
import { attachSecret } from '../../src/scan/secret.js';
import type { Finding } from '../../src/scan/types.js';
import { sha256 } from './fixtures.js';

let gh: GitHubStandIn;
beforeAll(async () => {
  gh = await startGitHubStandIn();
});
afterAll(() => gh.close());
beforeEach(() => {
  gh.setFaults(null);
  gh.clearRateLimits();
  gh.state.revokedCredentials.length = 0;
  gh.requests.length = 0;
});

function finding(secret: string, over: Partial<Finding> = {}): Finding {
  const secretHash = sha256(secret);
  return attachSecret(
    {
      ruleId: 'github-pat', description: 'GitHub token', path: 'ci.yml', line: 3, column: 1, endColumn: secret.length + 1,
      severity: 'critical', confidence: 'high', kind: 'secret', rotator: 'github', entropy: 4.5, preview: `${secret.slice(0, 6)}…`, secretHash,
      fingerprint: `github-pat:ci.yml:${secretHash}`, ...over,
    },
    secret,
  );
}

const pat = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
const oauth = 'gho_' + 'Z9y8X7w6V5u4T3s2R1q0P9o8N7m6L5k4J3i2';

describe('GitHub token revocation', () => {
  it('sends the raw tokens once, unauthenticated, to POST /credentials/revoke, and reports by hash', async () => {
    const findings = [finding(pat), finding(pat, { path: 'other.yml', fingerprint: 'x' }), finding(oauth), finding('ghs_installation0000000000000000000000')];
    const reports = await revokeGitHubTokens(findings, { baseUrl: gh.url });
    expect(gh.state.revokedCredentials.sort()).toEqual([oauth, pat].sort());
    const calls = gh.requests.filter((r) => r.operationId === 'credentials/revoke');
    expect(calls).toHaveLength(1);
    expect(calls[0].headers.authorization).toBeUndefined();
    expect(reports.map((r) => r.outcome)).toEqual(['revoked', 'revoked', 'revoked', 'unsupported']);
    expect(reports[0].secretHash).toBe(sha256(pat));
    expect(JSON.stringify(reports)).not.toContain(pat);
    expect(gh.violations).toEqual([]);
  });

  it('turns itself off on GitHub Enterprise Server and says so', async () => {
    const warnings: string[] = [];
    const reports = await revokeGitHubTokens([finding(pat)], { baseUrl: gh.url, ghe: 'ghe.example.com', log: { info() {}, warn: (_o, m) => warnings.push(m) } });
    expect(reports[0].outcome).toBe('unsupported');
    expect(gh.requests).toHaveLength(0);
    expect(warnings[0]).toMatch(/Enterprise Server/);
  });

  it('retries 502 and secondary rate limits, and ignores findings of other rotators', async () => {
    gh.setFaults({ share: 0.6, retryAfterSeconds: 0 });
    const reports = await revokeGitHubTokens([finding(pat), finding(oauth, { rotator: 'keyservice' })], { baseUrl: gh.url, retries: 10, baseDelayMs: 5 });
    gh.setFaults(null);
    expect(reports).toHaveLength(1);
    expect(reports[0].outcome).toBe('revoked');
    expect(gh.state.revokedCredentials).toEqual([pat]);
  });

  it('a rate limit longer than a few seconds is reported with GitHub\'s time after one call, never slept or cut short', async () => {
    gh.rateLimit({ kind: 'primary', status: 403, resetInSeconds: 3_600 });
    const reports = await revokeGitHubTokens([finding(pat)], { baseUrl: gh.url, retries: 10, baseDelayMs: 5 });
    expect(gh.requests.filter((r) => r.operationId === 'credentials/revoke')).toHaveLength(1);
    expect(reports[0].outcome).toBe('failed');
    const until = Date.parse(/GitHub rate limit until (\S+)/.exec(reports[0].reason ?? '')?.[1] ?? '');
    expect(until).toBeGreaterThanOrEqual(Date.now() + 3_500_000);
    expect(reports[0].reason).not.toContain(pat);
  });

  it('a DNS failure is reported at once, not retried', async () => {
    const reports = await revokeGitHubTokens([finding(pat)], { baseUrl: 'http://api.keywarden-test.invalid', retries: 10, baseDelayMs: 5 });
    expect(reports[0]).toMatchObject({ outcome: 'failed' });
    expect(reports[0].reason).toMatch(/cannot resolve api\.keywarden-test\.invalid \((ENOTFOUND|EAI_AGAIN)\)/);
  });
});
