// One Rotator per `rotator` name in the rules. The rotate worker looks the name up here,
// so adding a provider is a new module plus one `register` call, never a change to the worker.
import { createHash } from 'node:crypto';
import { v5 as uuidv5 } from 'uuid';

/**
 * What happened to a leaked key. `rolled`: we rolled it now. `already_rolled`: it was already
 * in its grace period. `revoked_now`: we revoked it (a public repository). `revoked` / `expired`: it is dead already. `public`: a public key, nothing
 * to do. `unknown`: not a key the service knows. `unsupported`: this rotator cannot act here.
 */
export type RotationOutcome =
  | 'rolled'
  | 'already_rolled'
  | 'revoked'
  | 'revoked_now'
  | 'expired'
  | 'public'
  | 'unknown'
  | 'unsupported';

export interface RotationRequest {
  /** SHA-256 hex of the leaked secret. The raw secret never reaches a Rotator. */
  secretHash: string;
  /** UUID made once per leak at job creation, resent unchanged on every retry. */
  idempotencyKey: string;
  /** Where the leak was seen (commit or PR URL), recorded by the service with the incident. */
  sourceUrl?: string;
  description: string;
  /**
   * When this leak's first rotation request was sent (ms since epoch), or undefined when none
   * has been sent yet. A key found in grace that began at or after this moment was rolled by us.
   */
  firstSentAt?: number;
  /** `revoke`: end the key at once, no grace (it leaked in public). Default `roll`. */
  action?: 'roll' | 'revoke';
}

export interface RotationResult {
  outcome: RotationOutcome;
  keyId?: string;
  /** The key's name in the key service, when it has one. */
  keyName?: string;
  /** The key that replaced it (rolled): the one the owner rolls to get a secret they can see. */
  replacementKeyId?: string;
  organizationId?: string;
  accountId?: string;
  mode?: string;
  /** ISO 8601: when the key was rolled (ours or an earlier roll). */
  rolledAt?: string;
  /** ISO 8601: when the old key stops working. */
  oldKeyExpiresAt?: string;
  incidentId?: string;
  /** How the result was established: the leak report's answer, or a verify after a lost answer. */
  via: 'report' | 'verify';
  detail?: string;
}

/** A failure the worker acts on: retry later (after `retryAfterMs` if set) or give up for good. */
export class RotationError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly status?: number;
  constructor(code: string, message: string, opts: { retryable: boolean; retryAfterMs?: number; status?: number }) {
    super(message);
    this.name = 'RotationError';
    this.code = code;
    this.retryable = opts.retryable;
    this.retryAfterMs = opts.retryAfterMs;
    this.status = opts.status;
  }
}

export interface Rotator {
  readonly name: string;
  /** Throws RotationError for anything that is not an answer about the key. */
  rotate(req: RotationRequest): Promise<RotationResult>;
}

export class RotatorRegistry {
  private readonly rotators = new Map<string, Rotator>();

  register(rotator: Rotator): this {
    this.rotators.set(rotator.name, rotator);
    return this;
  }

  get(name: string): Rotator | undefined {
    return this.rotators.get(name);
  }

  names(): string[] {
    return [...this.rotators.keys()];
  }
}

// Fixed namespace: the same fingerprint must give the same key in every process and release.
const IDEMPOTENCY_NAMESPACE = '6f1c3a52-8a0e-5c4b-9d3e-2b7f4e1a9c60';

/** The X-Idempotency-Key for a leak: UUIDv5 of its fingerprint, so retries and re-runs agree. */
export function idempotencyKeyFor(fingerprint: string): string {
  return uuidv5(fingerprint, IDEMPOTENCY_NAMESPACE);
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
