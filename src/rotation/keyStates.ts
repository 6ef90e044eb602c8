// A leaked key's state as the key service's `verify` tells it, in the owner's words: live (it
// still works), rolled (replaced; the old secret works until its grace ends), revoked, expired,
// or unknown (not a key this service issued). The baseline issue lists one per key found.
import type { VerifyAnswer } from '../keyservice/contract.js';

export type KeyState = 'live' | 'rolled' | 'revoked' | 'expired' | 'unknown';

export interface KeyStateInfo {
  state: KeyState;
  keyId?: string;
  /** rolled: when the old secret stops working (ISO 8601). */
  graceUntil?: string;
}

/** Answers "what state is each of these keys in?", by SHA-256 of the secret. */
export interface KeyStateReader {
  keyStates(tokenHashes: string[]): Promise<Map<string, KeyStateInfo>>;
}

export function keyStateOf(a: VerifyAnswer): KeyStateInfo {
  if (a.known === false || !a.status) return { state: 'unknown' };
  const state: KeyState = a.status === 'active' ? 'live' : a.status === 'grace' ? 'rolled' : a.status;
  return { state, keyId: a.keyId, ...(a.status === 'grace' && a.graceUntil ? { graceUntil: a.graceUntil } : {}) };
}
