// Rolls a leaked key through the key service's leak report (`POST /v1/leaks`).
//
// Exactly-once, across retries and crashes:
// - every attempt for a leak sends the same X-Idempotency-Key, so a repeat of a request that
//   the service completed returns the stored answer instead of rolling again;
// - but the service does not store the key when it answers 500, and a timeout or a killed
//   worker leaves us not knowing what happened. So once a request has been sent for this leak
//   (`firstSentAt`), every later attempt first asks `POST /v1/keys/verify {tokenHash}`:
//     grace that began at or after firstSentAt (minus clock skew) -> that roll was ours: `rolled`;
//     grace that began before                                       -> someone rolled it earlier;
//     anything else                                                 -> resend the report, which
//   never rolls a key that is already in grace, so the worst case is a correct `already_rolled`.
import type { RotationRequest, RotationResult, Rotator, RotationOutcome } from './rotator.js';
import { RotationError } from './rotator.js';
import type { ErrorAnswer, LeakLabelAnswer, LeakReportAnswer, LeakReportRequest, VerifyAnswer, VerifyRequest } from '../keyservice/contract.js';
import { keyStateOf, type KeyStateInfo } from './keyStates.js';
import { dnsFailureOf } from '../github/retry.js';

export interface KeyServiceRotatorOptions {
  baseUrl: string;
  publicKey: string;
  secretKey: string;
  /** Per-request timeout. */
  timeoutMs?: number;
  /** The service's grace period, to tell when a grace began from when it ends. */
  graceSeconds?: number;
  /** Tolerated clock difference between this worker and the service. */
  clockSkewMs?: number;
  /** How long to wait before retrying a REQUEST_IN_PROCESS answer. */
  inProcessRetryMs?: number;
  fetch?: typeof fetch;
}

// One entry per label the service's schema declares: a new label is a build error here.
const LABELS: Record<LeakLabelAnswer, RotationOutcome> = {
  rolled: 'rolled',
  already_rolled: 'already_rolled',
  revoked: 'revoked',
  revoked_now: 'revoked_now',
  expired: 'expired',
  public: 'public',
  unknown: 'unknown',
};

export class KeyServiceRotator implements Rotator {
  readonly name = 'keyservice';
  private readonly opts: Required<Omit<KeyServiceRotatorOptions, 'fetch'>> & { fetch: typeof fetch };

  constructor(opts: KeyServiceRotatorOptions) {
    this.opts = {
      timeoutMs: 5_000,
      graceSeconds: 43_200,
      clockSkewMs: 5_000,
      inProcessRetryMs: 3_000,
      fetch: globalThis.fetch,
      ...opts,
      baseUrl: opts.baseUrl.replace(/\/+$/, ''),
    };
  }

  /** Reads KEYSERVICE_URL, KEYSERVICE_PUBLIC_KEY, KEYSERVICE_SECRET_KEY (and the grace length). */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): KeyServiceRotator {
    const baseUrl = env.KEYSERVICE_URL;
    const publicKey = env.KEYSERVICE_PUBLIC_KEY;
    const secretKey = env.KEYSERVICE_SECRET_KEY;
    if (!baseUrl || !publicKey || !secretKey) {
      throw new RotationError(
        'KEYSERVICE_NOT_CONFIGURED',
        'Set KEYSERVICE_URL, KEYSERVICE_PUBLIC_KEY and KEYSERVICE_SECRET_KEY (a key pair with the leak-reports product) to enable rotation.',
        { retryable: false },
      );
    }
    const grace = Number(env.KEYSERVICE_GRACE_SECONDS);
    return new KeyServiceRotator({
      baseUrl,
      publicKey,
      secretKey,
      ...(Number.isFinite(grace) && grace > 0 ? { graceSeconds: grace } : {}),
    });
  }

  async rotate(req: RotationRequest): Promise<RotationResult> {
    if (req.firstSentAt !== undefined) {
      const settled = await this.settledByEarlierAttempt(req.secretHash, req.firstSentAt);
      if (settled) return settled;
    }
    const report: LeakReportRequest = { tokenHash: req.secretHash, sourceUrl: req.sourceUrl ?? 'unknown', description: req.description, ...(req.action === 'revoke' ? { action: 'revoke' as const } : {}) };
    const { status, body } = await this.post('/v1/leaks', report, { 'x-idempotency-key': req.idempotencyKey });
    if (status >= 200 && status < 300) return parseLeakAnswer(body as LeakReportAnswer);
    throw classifyFailure(status, body as Partial<ErrorAnswer>, this.opts.inProcessRetryMs);
  }

  /** The key service's `verify` answer about a key, by its SHA-256: state, id, grace end. */
  async verify(tokenHash: string): Promise<VerifyAnswer> {
    const question: VerifyRequest = { tokenHash };
    const { status, body } = await this.post('/v1/keys/verify', question, {});
    if (status < 200 || status >= 300) throw classifyFailure(status, body as Partial<ErrorAnswer>, this.opts.inProcessRetryMs);
    return body as VerifyAnswer;
  }

  /** Each key's state, for the baseline issue (KeyStateReader). */
  async keyStates(tokenHashes: string[]): Promise<Map<string, KeyStateInfo>> {
    const out = new Map<string, KeyStateInfo>();
    for (const h of new Set(tokenHashes)) out.set(h, keyStateOf(await this.verify(h)));
    return out;
  }

  /** Returns the result when the key's state proves an earlier attempt of ours rolled it. */
  private async settledByEarlierAttempt(tokenHash: string, firstSentAt: number): Promise<RotationResult | null> {
    const body = await this.verify(tokenHash);
    // A key in its grace period: the service says until when.
    const graceUntil = body.status === 'grace' ? body.graceUntil : undefined;
    if (!graceUntil) return null;
    // The service says when it rolled; without that, the grace length tells when grace began.
    const graceStart = Date.parse(body.rolledAt ?? '') || Date.parse(graceUntil) - this.opts.graceSeconds * 1000;
    if (graceStart + this.opts.clockSkewMs < firstSentAt) return null;
    return {
      outcome: 'rolled',
      via: 'verify',
      keyId: body.keyId,
      keyName: body.name ?? undefined,
      replacementKeyId: body.replacedBy,
      organizationId: body.organizationId,
      accountId: body.accountId ?? undefined,
      mode: body.mode,
      rolledAt: new Date(graceStart).toISOString(),
      oldKeyExpiresAt: graceUntil,
      detail: 'the answer to our earlier request was lost; verify shows the grace period it started',
    };
  }

  /** The answer's JSON as sent; the caller reads it as the contract type of its route. */
  private async post(path: string, payload: LeakReportRequest | VerifyRequest, headers: Record<string, string>): Promise<{ status: number; body: unknown }> {
    let res: Response;
    try {
      res = await this.opts.fetch(`${this.opts.baseUrl}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'public-api-key': this.opts.publicKey,
          'private-secret-key': this.opts.secretKey,
          ...headers,
        },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
    } catch (err) {
      const e = err as Error;
      const timedOut = e.name === 'TimeoutError' || e.name === 'AbortError';
      // fetch says only "fetch failed": name the cause, a DNS failure above all. One try per
      // job attempt either way: the rotate queue's backoff is the retry (no in-process sleeps).
      const dns = dnsFailureOf(e);
      const cause = dns ? `cannot resolve ${dns.host} (${dns.code}): check KEYSERVICE_URL and this worker's DNS` : (e.cause as { code?: string } | undefined)?.code ?? e.message;
      throw new RotationError(
        timedOut ? 'KEYSERVICE_TIMEOUT' : dns ? 'KEYSERVICE_DNS_FAILURE' : 'KEYSERVICE_UNREACHABLE',
        timedOut
          ? `key service did not answer ${path} within ${this.opts.timeoutMs} ms; will verify the key's state and retry`
          : `key service unreachable at ${this.opts.baseUrl} (${cause}); will retry`,
        { retryable: true },
      );
    }
    const text = await res.text().catch(() => '');
    let body: unknown = {};
    try {
      const parsed: unknown = text ? JSON.parse(text) : {};
      if (parsed && typeof parsed === 'object') body = parsed;
    } catch {
      body = {};
    }
    return { status: res.status, body };
  }
}

/** `body` is the service's error answer, or whatever a proxy in between sent instead. */
export function classifyFailure(status: number, body: Partial<ErrorAnswer>, inProcessRetryMs: number): RotationError {
  const code = str(body.code) ?? `HTTP_${status}`;
  const message = str(body.message) ?? '';
  if (status === 400 && code === 'REQUEST_IN_PROCESS') {
    return new RotationError(code, 'the key service is still processing our earlier report of this leak; retrying shortly', {
      retryable: true,
      retryAfterMs: inProcessRetryMs,
      status,
    });
  }
  if (status === 429) {
    return new RotationError(code, `key service rate limit: ${message}`, { retryable: true, status });
  }
  if (status >= 400 && status < 500) {
    const hint =
      status === 401
        ? 'check KEYSERVICE_PUBLIC_KEY / KEYSERVICE_SECRET_KEY'
        : status === 403
          ? 'the key pair needs the leak-reports product'
          : 'the request was rejected; fix it and retry the job from the dead-letter list';
    return new RotationError(code, `key service refused the leak report (${status} ${code}: ${message}); ${hint}`, {
      retryable: false,
      status,
    });
  }
  return new RotationError(code, `key service failed (${status} ${code}); will verify the key's state and retry`, {
    retryable: true,
    status,
  });
}

export function parseLeakAnswer(body: LeakReportAnswer): RotationResult {
  // Checked at run time too: an older or newer service may send a label this build lacks.
  const outcome = body.label !== undefined ? (LABELS as Record<string, RotationOutcome | undefined>)[body.label] : undefined;
  if (!outcome) {
    throw new RotationError('KEYSERVICE_BAD_ANSWER', `key service answered with an unknown label "${body.label ?? ''}"`, {
      retryable: false,
    });
  }
  return {
    outcome,
    via: 'report',
    keyId: body.keyId,
    keyName: body.name ?? undefined,
    replacementKeyId: body.newKeyId ?? undefined,
    organizationId: body.organizationId,
    accountId: body.accountId ?? undefined,
    mode: body.mode,
    rolledAt: body.rolledAt,
    // rolled: previousExpiresAt; already_rolled: graceUntil; expired: expiredAt; revoked: revokedAt.
    oldKeyExpiresAt: body.previousExpiresAt ?? body.graceUntil ?? body.expiredAt ?? body.revokedAt,
    incidentId: body.incidentId,
  };
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}
