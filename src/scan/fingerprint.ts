// What travels instead of a secret: its SHA-256, a redacted preview, and a fingerprint
// that names rule + path + secret (+ commit), never a line number, so it survives code
// moving above it and can be pasted into .keywardenignore as-is.
import type * as Crypto from 'node:crypto';

// node:crypto is loaded on the first hash, not at import: a clean pre-commit scan (the common
// case) hashes nothing, and loading it costs the hook ~6 ms of start-up.
let crypto: typeof Crypto | undefined;

export function hashSecret(secret: string): string {
  crypto ??= process.getBuiltinModule('node:crypto');
  return crypto.createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** `[commit:]path:ruleId:secretHashFirst16` */
export function fingerprintOf(f: { ruleId: string; path: string; secretHash: string; commit?: string }): string {
  const base = `${f.path}:${f.ruleId}:${f.secretHash.slice(0, 16)}`;
  return f.commit ? `${f.commit}:${base}` : base;
}

/**
 * "kwsk…(46)": a few leading characters (never more than a quarter of the secret, so
 * a short password keeps almost all of its strength), an ellipsis and the length.
 */
export function redact(secret: string): string {
  const chars = Array.from(secret);
  const shown = Math.min(4, Math.floor(chars.length / 4));
  return `${chars.slice(0, shown).join('')}…(${chars.length})`;
}
