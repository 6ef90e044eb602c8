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

const LABELS: Record<string, RotationOutcome> = {
  rolled: 'rolled',
  already_rolled: 'already_rolled',
  grace: 'already_rolled',
  in_grace: 'already_rolled',
  revoked: 'revoked',
  deleted: 'revoked',
  expired: 'expired',
  public: 'public',
  unknown: 'unknown',
};

type Json = Record<string, unknown>;

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
    const { status, body } = await this.post(
      '/v1/leaks',
      { tokenHash: req.secretHash, sourceUrl: req.sourceUrl ?? 'unknown', description: req.description },
      { 'x-idempotency-key': req.idempotencyKey },
    );
    if (status >= 200 && status < 300) return parseLeakAnswer(body);
    throw classifyFailure(status, body, this.opts.inProcessRetryMs);
  }

  /** Returns the result when the key's state proves an earlier attempt of ours rolled it. */
  private async settledByEarlierAttempt(tokenHash: string, firstSentAt: number): Promise<RotationResult | null> {
    const { status, body } = await this.post('/v1/keys/verify', { tokenHash }, {});
    if (status < 200 || status >= 300) throw classifyFailure(status, body, this.opts.inProcessRetryMs);
    const graceUntil = graceEnd(body);
    if (!graceUntil) return null;
    // The service says when it rolled; without that, the grace length tells when grace began.
    const graceStart = Date.parse(str(body.rolledAt) ?? '') || Date.parse(graceUntil) - this.opts.graceSeconds * 1000;
    if (graceStart + this.opts.clockSkewMs < firstSentAt) return null;
    return {
      outcome: 'rolled',
      via: 'verify',
      keyId: str(body.id) ?? str(body.keyId),
      organizationId: str(body.organizationId),
      accountId: str(body.accountId),
      mode: str(body.mode),
      rolledAt: new Date(graceStart).toISOString(),
      oldKeyExpiresAt: graceUntil,
      detail: 'the answer to our earlier request was lost; verify shows the grace period it started',
    };
  }

  private async post(path: string, payload: Json, headers: Record<string, string>): Promise<{ status: number; body: Json }> {
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
      throw new RotationError(
        timedOut ? 'KEYSERVICE_TIMEOUT' : 'KEYSERVICE_UNREACHABLE',
        timedOut
          ? `key service did not answer ${path} within ${this.opts.timeoutMs} ms; will verify the key's state and retry`
          : `key service unreachable at ${this.opts.baseUrl} (${e.message}); will retry`,
        { retryable: true },
      );
    }
    const text = await res.text().catch(() => '');
    let body: Json = {};
    try {
      const parsed: unknown = text ? JSON.parse(text) : {};
      if (parsed && typeof parsed === 'object') body = parsed as Json;
    } catch {
      body = {};
    }
    return { status: res.status, body };
  }
}

export function classifyFailure(status: number, body: Json, inProcessRetryMs: number): RotationError {
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

export function parseLeakAnswer(body: Json): RotationResult {
  const rawLabel = str(body.label) ?? str(body.outcome) ?? str(body.status) ?? '';
  const outcome = LABELS[rawLabel];
  if (!outcome) {
    throw new RotationError('KEYSERVICE_BAD_ANSWER', `key service answered with an unknown label "${rawLabel}"`, {
      retryable: false,
    });
  }
  const key = obj(body.key);
  const previous = obj(body.previous);
  return {
    outcome,
    via: 'report',
    keyId: str(key.id) ?? str(previous.id) ?? str(body.keyId),
    organizationId: str(key.organizationId) ?? str(body.organizationId),
    accountId: str(key.accountId) ?? str(body.accountId),
    mode: str(key.mode) ?? str(body.mode),
    rolledAt: str(body.rolledAt) ?? str(key.rolledAt),
    oldKeyExpiresAt: str(body.previousExpiresAt) ?? str(previous.expiresAt) ?? str(body.graceUntil) ?? str(body.expiredAt) ?? str(body.revokedAt),
    incidentId: str(obj(body.incident).id) ?? str(body.incidentId),
  };
}

function graceEnd(body: Json): string | undefined {
  const status = str(body.status) ?? str(body.state);
  if (status !== 'grace' && status !== 'in_grace' && status !== 'rolled') return undefined;
  return str(body.graceUntil) ?? str(body.expiresAt) ?? str(body.until);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

function obj(v: unknown): Json {
  return v && typeof v === 'object' ? (v as Json) : {};
}
