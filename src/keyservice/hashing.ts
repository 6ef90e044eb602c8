// How secrets are kept: never in clear. A secret is stored as HMAC-SHA-256 under a server
// pepper (what authentication checks) and as plain SHA-256 (what the scanner sends in leak
// reports, since it only ever sees the token). Public keys are public and kept in clear.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export function hmacHex(pepper: Buffer, text: string): string {
  return createHmac('sha256', pepper).update(text, 'utf8').digest('hex');
}

/** Constant-time equality of two hex digests (different lengths are simply unequal). */
export function hexDigestsEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  if (left.length !== right.length || left.length === 0) return false;
  return timingSafeEqual(left, right);
}

/** What may be shown of a token: its header, 4 random characters and its last 4. */
export function redactToken(token: string): string {
  return `${token.slice(0, 14)}…${token.slice(-4)}`;
}

export const SHA256_HEX = /^[0-9a-f]{64}$/;
