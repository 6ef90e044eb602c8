// Who is calling: checks the `public-api-key` / `private-secret-key` pair and returns the
// caller's key row. A wrong secret answers INVALID_CREDENTIALS whoever it belongs to, on one
// path: one lookup by public key, one HMAC, one constant-time compare (against a dummy when
// the public key is unknown), and nothing that looks the presented secret up. Failures are
// counted by the rate limiter; a correct pair is never refused by it.
import { KeyServiceError } from './errors.js';
import { hexDigestsEqual, hmacHex } from './hashing.js';
import { parseToken, TOKEN_PATTERN } from '../keyformat/keyFormat.js';
import { statusAt, type KeyRow } from './keyModel.js';
import type { KeyStore } from './keyStore.js';
import type { AuthRateLimiter } from './rateLimiter.js';

export interface Credentials {
  publicKey?: string;
  secretKey?: string;
  ip: string;
}

// Compared against when the public key is unknown, so both paths cost one HMAC compare.
const DUMMY_HMAC = '0'.repeat(64);

type Checked = { key: KeyRow } | { refusal: KeyServiceError; guessed: boolean; wrongSecretFor?: string };

export async function authenticate(store: KeyStore, limiter: AuthRateLimiter, creds: Credentials, now: Date): Promise<KeyRow> {
  const checked = await checkCredentials(store, creds.publicKey, creds.secretKey, now);
  if ('key' in checked) return checked.key;
  // A correct pair of a deleted or expired key guesses nothing: it is refused, not counted.
  if (checked.guessed) {
    const wait = await limiter.recordFailure(creds.ip, checked.wrongSecretFor, now);
    if (wait > 0) {
      throw new KeyServiceError(429, 'RATE_LIMITED', `Too many failed authentication attempts; retry after ${wait} s.`, { 'retry-after': String(wait) });
    }
  }
  throw checked.refusal;
}

async function checkCredentials(store: KeyStore, publicKey: string | undefined, secretKey: string | undefined, now: Date): Promise<Checked> {
  if (!publicKey || !secretKey) {
    return { refusal: new KeyServiceError(401, 'MISSING_CREDENTIALS', 'Send both the public-api-key and private-secret-key headers.'), guessed: true };
  }
  const pub = parseToken(publicKey);
  const sec = parseToken(secretKey);
  if (!pub || pub.visibility !== 'public' || !sec || sec.visibility !== 'secret' || pub.mode !== sec.mode) {
    return { refusal: invalid(), guessed: true };
  }
  const rows = await store.db.query<KeyRow>('SELECT * FROM api_keys WHERE public_key = $1', [publicKey]);
  const key = rows[0];
  const matches = hexDigestsEqual(hmacHex(store.pepper, secretKey), key ? key.secret_hmac : DUMMY_HMAC);
  if (!key || !matches) return { refusal: invalid(), guessed: true, wrongSecretFor: key ? publicKey : undefined };
  const status = statusAt(key, now);
  if (status === 'revoked') {
    return { refusal: new KeyServiceError(401, 'KEY_REVOKED', 'This key was deleted; use another key or ask an administrator for a new one.'), guessed: false };
  }
  if (status === 'expired') {
    return { refusal: new KeyServiceError(401, 'KEY_EXPIRED', 'This key has expired (or its roll grace period ended); use its replacement.'), guessed: false };
  }
  return { key };
}

const invalid = (): KeyServiceError =>
  new KeyServiceError(401, 'INVALID_CREDENTIALS', 'The API key pair is not valid; send a public key and the secret key issued with it (same mode, test or live).');
