// Revokes leaked GitHub tokens through GitHub's credential revocation API
// (`POST /credentials/revoke {credentials: [raw tokens]}`, 202 Accepted).
//
// That API needs the RAW token, and the raw token must never enter the queue, Redis or a log.
// So this is not a rotate-queue Rotator: the scan worker calls `revokeGitHubTokens` right after
// the scan, while the secret is still only in its memory (read through `revealSecret`), and
// only the per-finding outcome (with secretHash) travels on. The contract, from GitHub's
// OpenAPI description: at most 1000 credentials per call, UNAUTHENTICATED (an authenticated
// request gets 403), 60 requests per hour, for ghp_, github_pat_, gho_, ghu_ and ghr_ tokens.
// GitHub Enterprise Server has no such endpoint: with `ghe` set the revoker does nothing and
// says so (outcome `unsupported`).
import type { Finding } from '../scan/types.js';
import { revealSecret } from '../scan/secret.js';
import { DEFAULT_BUDGET_MS, dnsFailureOf, jitteredBackoff, rateLimitWait } from '../github/retry.js';
import { GITHUB_COM_API_URL } from '../github/endpoints.js';

export const GITHUB_ROTATOR = 'github';
const REVOCABLE_PREFIXES = ['ghp_', 'github_pat_', 'gho_', 'ghu_', 'ghr_'];
const MAX_PER_REQUEST = 1000;

export type RevocationOutcome = 'revoked' | 'unsupported' | 'failed';

export interface RevocationReport {
  secretHash: string;
  fingerprint: string;
  outcome: RevocationOutcome;
  reason?: string;
}

export interface RevokeOptions {
  /** REST API root; default https://api.github.com. */
  baseUrl?: string;
  /** Set when running against GitHub Enterprise Server (GHE_HOST): revocation is turned off. */
  ghe?: string;
  fetch?: typeof fetch;
  retries?: number;
  baseDelayMs?: number;
  timeoutMs?: number;
  log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

export function isRevocableGitHubToken(token: string): boolean {
  return REVOCABLE_PREFIXES.some((p) => token.startsWith(p));
}

/**
 * Revokes the GitHub tokens among `findings` (rule rotator `github`). Returns one report per
 * such finding; never throws for a GitHub failure (the leak still stands as a finding).
 */
export async function revokeGitHubTokens(findings: Finding[], opts: RevokeOptions = {}): Promise<RevocationReport[]> {
  const candidates = findings.filter((f) => f.rotator === GITHUB_ROTATOR && f.kind === 'secret');
  if (candidates.length === 0) return [];
  if (opts.ghe) {
    opts.log?.warn({ ghe: opts.ghe, findings: candidates.length }, 'GitHub token revocation is off: GitHub Enterprise Server has no credential revocation API; revoke these tokens by hand');
    return candidates.map((f) => ({ secretHash: f.secretHash, fingerprint: f.fingerprint, outcome: 'unsupported', reason: 'GitHub Enterprise Server has no credential revocation API' }));
  }

  const reports = new Map<Finding, RevocationReport>();
  const tokens = new Map<string, Finding[]>();
  for (const f of candidates) {
    const raw = revealSecret(f);
    if (!raw || !isRevocableGitHubToken(raw)) {
      reports.set(f, { secretHash: f.secretHash, fingerprint: f.fingerprint, outcome: 'unsupported', reason: raw ? 'token type not accepted by the revocation API' : 'raw token not held by this process' });
      continue;
    }
    tokens.set(raw, [...(tokens.get(raw) ?? []), f]);
  }

  const unique = [...tokens.keys()];
  for (let i = 0; i < unique.length; i += MAX_PER_REQUEST) {
    const batch = unique.slice(i, i + MAX_PER_REQUEST);
    const failure = await postRevocation(batch, opts);
    for (const token of batch) {
      for (const f of tokens.get(token) ?? []) {
        reports.set(f, failure
          ? { secretHash: f.secretHash, fingerprint: f.fingerprint, outcome: 'failed', reason: failure }
          : { secretHash: f.secretHash, fingerprint: f.fingerprint, outcome: 'revoked' });
      }
    }
  }
  const out = candidates.map((f) => reports.get(f)!);
  opts.log?.info({ revoked: out.filter((r) => r.outcome === 'revoked').length, failed: out.filter((r) => r.outcome === 'failed').length }, 'GitHub token revocation submitted');
  return out;
}

/** Returns undefined on success (202), else a reason that never contains a token. */
async function postRevocation(credentials: string[], opts: RevokeOptions): Promise<string | undefined> {
  const doFetch = opts.fetch ?? globalThis.fetch;
  const url = `${(opts.baseUrl ?? GITHUB_COM_API_URL).replace(/\/+$/, '')}/credentials/revoke`;
  const retries = opts.retries ?? 4;
  let reason = '';
  // The same rules as every GitHub call (github/retry.ts), in this call's own loop (it is not an
  // installation client's request): short waits only, GitHub's full time for a rate limit
  // (reported, never cut short or slept for minutes), no in-process retry of a DNS failure.
  let slept = 0;
  for (let attempt = 0; attempt <= retries; attempt++) {
    let status = 0;
    let limitWait: number | undefined;
    try {
      // Deliberately no Authorization header: GitHub answers 403 to authenticated calls here.
      const res = await doFetch(url, {
        method: 'POST',
        headers: { accept: 'application/vnd.github+json', 'content-type': 'application/json', 'x-github-api-version': '2022-11-28', 'user-agent': 'keywarden' },
        body: JSON.stringify({ credentials }),
        signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
      });
      status = res.status;
      const text = await res.text().catch(() => '');
      if (status === 202 || status === 200) return undefined;
      const limit = rateLimitWait({ status, message: text, response: { headers: Object.fromEntries(res.headers) } }, Date.now());
      limitWait = limit && limit.retryAt - Date.now();
      reason = limit ? `GitHub rate limit until ${new Date(limit.retryAt).toISOString()}` : `GitHub answered ${status}`;
    } catch (err) {
      const dns = dnsFailureOf(err);
      if (dns) return `cannot resolve ${dns.host} (${dns.code})`;
      reason = `network error: ${(err as Error).name}`;
    }
    const transient = status === 0 || status >= 500 || limitWait !== undefined;
    if (!transient || attempt === retries) break;
    const wait = limitWait ?? jitteredBackoff(attempt, opts.baseDelayMs ?? 500, 2_000);
    if (slept + wait > DEFAULT_BUDGET_MS) break;
    slept += wait;
    await new Promise((r) => setTimeout(r, wait));
  }
  return reason;
}
