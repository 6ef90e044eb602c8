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

/**
 * A JWS compact token whose header is what RFC 7515 requires: base64url of a JSON object with
 * an `alg`. Every issued token has one; `eyJ` followed by random text (a truncated paste, a
 * generated id that happens to start so) does not.
 */
function jwtHeader(token: string): boolean {
  const head = token.slice(0, token.indexOf('.'));
  if (!/^[A-Za-z0-9_-]+$/.test(head)) return false;
  try {
    const header: unknown = JSON.parse(Buffer.from(head, 'base64url').toString('utf8'));
    return typeof header === 'object' && header !== null && typeof (header as { alg?: unknown }).alg === 'string';
  } catch {
    return false;
  }
}

/** Printable ASCII, allowing line breaks and tabs: what a Secret value holding text decodes to. */
function isPrintableText(b: Buffer): boolean {
  if (b.length === 0) return false;
  for (const c of b) if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c > 126) return false;
  return true;
}

/**
 * The credential a Kubernetes Secret value stands for: a `data:` value is base64, so one that
 * decodes to text is judged by its text; a `stringData:` value (or base64 of random bytes,
 * which is how a generated key is stored) is judged as written. Undefined when the value is no
 * credential for this rule: a placeholder, template or code (in either form), or an env or
 * config file (several lines or `NAME=value`), which the engine's decode pass scans with every
 * rule, so a key in it is reported by the rule that knows its format.
 */
export function kubernetesSecretValue(secret: string): string | undefined {
  const raw = secret.trim();
  let text = raw;
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(raw) && raw.length % 4 === 0) {
    const bytes = Buffer.from(raw, 'base64');
    if (isPrintableText(bytes)) text = bytes.toString('latin1').replace(/\r?\n$/, '');
  }
  if (/[\r\n]/.test(text) || /^(?:export\s+)?[A-Z_][A-Z0-9_]*=\S/.test(text)) return undefined;
  return isSecretLiteral(text) && !NAMES_A_SAMPLE.test(text) ? text : undefined;
}

/** A value that says it is a sample in words a generated key never holds. */
const NAMES_A_SAMPLE = /changeme|change[_-]?me|placeholder|example|dummy|notreal|not[_-]a[_-]real|replace|^x+$|^(?:test|sample|fake)[_-]?/i;

export const VALIDATORS: Record<string, (secret: string) => boolean> = {
  'keywarden-crc32': (secret) => parseToken(secret) !== null,
  'github-crc32': githubCrc32,
  'password-literal': isPasswordLiteral,
  'connection-password': isConnectionPassword,
  'secret-literal': isSecretLiteral,
  'basic-auth': basicAuth,
  'pem-private-key': pemPrivateKey,
  'jwt-header': jwtHeader,
  'kubernetes-secret-value': (secret) => kubernetesSecretValue(secret) !== undefined,
};

/**
 * For validators whose rule captures an encoded form: the plain value the secret stands for.
 * The engine checks it, not the encoded text, against the prefixes provider rules own, so a
 * near miss of a provider's format (`tskey-api-` of the wrong length) is left to that
 * provider's rule, which did not match it.
 */
export const PLAIN_VALUES: Record<string, (secret: string) => string | undefined> = {
  'kubernetes-secret-value': kubernetesSecretValue,
};

/**
 * Validators that prove a token's format (a checksum, a DER structure): such a secret is never
 * a typed sample, and its rule is the most specific one for it (dedupe.ts).
 */
export const CHECKSUM_VALIDATORS: ReadonlySet<string> = new Set(['keywarden-crc32', 'github-crc32', 'pem-private-key']);
