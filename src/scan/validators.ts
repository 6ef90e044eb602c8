// Named offline checks a rule can ask for (`validate = "..."`): a candidate that fails is
// not a finding. Checksummed token formats make a rule near-free of false positives; the
// literal checks keep keyword rules (passwords, catch-alls) off code and placeholders.
import { crc32, parseToken } from '../keyformat/keyFormat.js';
import { isConnectionPassword, isPasswordLiteral, isSecretLiteral } from './literal.js';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function base62Fixed(value: number, width: number): string {
  let out = '';
  for (let i = 0; i < width; i++) {
    out = BASE62[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

/**
 * GitHub's tokens (ghp_, gho_, ghu_, ghs_, ghr_) as GitHub documents them: 30 random base62
 * characters, then the CRC32 of those 30 in 6 base62 characters. A token of another length
 * is not judged (GitHub does not promise the length): only the documented shape can fail.
 */
function githubCrc32(token: string): boolean {
  const m = /^gh[pousr]_([0-9A-Za-z]*)$/.exec(token);
  if (!m) return false;
  if (m[1].length !== 36) return true;
  return base62Fixed(crc32(m[1].slice(0, 30)), 6) === m[1].slice(30);
}

/** `Authorization: Basic …`: base64 of `user:password` whose password is a literal, not a sample. */
function basicAuth(encoded: string): boolean {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 === 1) return false;
  const text = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0 || /[^\x20-\x7e]/.test(text)) return false;
  const user = text.slice(0, colon);
  const password = text.slice(colon + 1);
  if (/^(?:user(?:name)?|login|email|id|client[_-]?id|<.*>|\$\{.*\}|\{\{.*\}\})$/i.test(user) && password.length < 12) return false;
  return isPasswordLiteral(password);
}

/**
 * A PEM private key whose body is base64 of a DER structure (it starts with a SEQUENCE tag,
 * 0x30): what a real key holds, where "-----BEGIN PRIVATE KEY-----\n...\n-----END" does not.
 * Accepts the JSON-escaped form ("\n" as two characters) that service-account files use.
 */
function pemPrivateKey(pem: string): boolean {
  const body = pem
    .replace(/-----(?:BEGIN|END) [A-Z ]*PRIVATE KEY-----/g, '')
    .replace(/\\\\n|\\n|\\r|\s/g, '');
  if (body.length < 64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(body)) return false;
  return Buffer.from(body.slice(0, 8), 'base64')[0] === 0x30;
}

export const VALIDATORS: Record<string, (secret: string) => boolean> = {
  'keywarden-crc32': (secret) => parseToken(secret) !== null,
  'github-crc32': githubCrc32,
  'password-literal': isPasswordLiteral,
  'connection-password': isConnectionPassword,
  'secret-literal': isSecretLiteral,
  'basic-auth': basicAuth,
  'pem-private-key': pemPrivateKey,
};

/**
 * Validators that prove a token's format (a checksum, a DER structure): such a secret is never
 * a typed sample, and its rule is the most specific one for it (dedupe.ts).
 */
export const CHECKSUM_VALIDATORS: ReadonlySet<string> = new Set(['keywarden-crc32', 'github-crc32', 'pem-private-key']);
