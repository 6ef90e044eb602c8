// Who is calling: checks the `public-api-key` / `private-secret-key` pair and returns the
// caller's key row. Secrets are compared as HMACs in constant time; every failure is
// counted by the rate limiter.
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

export async function authenticate(store: KeyStore, limiter: AuthRateLimiter, creds: Credentials, now: Date): Promise<KeyRow> {
  const { ip, publicKey, secretKey } = creds;
  // Only well-formed public keys get a bucket of their own, so junk headers cannot grow memory.
  const limitedKey = publicKey !== undefined && TOKEN_PATTERN.test(publicKey) ? publicKey : undefined;
  const wait = limiter.retryAfterSeconds(ip, limitedKey);
  if (wait > 0) {
    throw new KeyServiceError(429, 'RATE_LIMITED', `Too many failed authentication attempts; retry after ${wait} s.`, {
      'retry-after': String(wait),
    });
  }
  try {
    const key = await checkCredentials(store, publicKey, secretKey, now);
    limiter.recordSuccess(ip, publicKey as string);
    return key;
  } catch (err) {
    if (err instanceof KeyServiceError && err.status === 401) limiter.recordFailure(ip, limitedKey);
    throw err;
  }
}

async function checkCredentials(store: KeyStore, publicKey: string | undefined, secretKey: string | undefined, now: Date): Promise<KeyRow> {
  if (!publicKey || !secretKey) {
    throw new KeyServiceError(401, 'MISSING_CREDENTIALS', 'Send both the public-api-key and private-secret-key headers.');
  }
  const pub = parseToken(publicKey);
  const sec = parseToken(secretKey);
  if (!pub || pub.visibility !== 'public' || !sec || sec.visibility !== 'secret') {
    throw invalid();
  }
  if (pub.mode !== sec.mode) {
    throw new KeyServiceError(401, 'CREDENTIALS_MISMATCH', 'The public and secret keys are from different modes (test/live); send the pair issued together.');
  }
  const rows = await store.db.query<KeyRow>('SELECT * FROM api_keys WHERE public_key = $1', [publicKey]);
  const key = rows[0];
  const presented = hmacHex(store.pepper, secretKey);
  if (!hexDigestsEqual(presented, key ? key.secret_hmac : DUMMY_HMAC) || !key) {
    if (key) {
      const other = await store.db.query('SELECT 1 FROM api_keys WHERE secret_hmac = $1', [presented]);
      if (other.length > 0) {
        throw new KeyServiceError(401, 'CREDENTIALS_MISMATCH', 'The secret key does not belong to this public key; send the pair issued together.');
      }
    }
    throw invalid();
  }
  const status = statusAt(key, now);
  if (status === 'revoked') {
    throw new KeyServiceError(401, 'KEY_REVOKED', 'This key was deleted; use another key or ask an administrator for a new one.');
  }
  if (status === 'expired') {
    throw new KeyServiceError(401, 'KEY_EXPIRED', 'This key has expired (or its roll grace period ended); use its replacement.');
  }
  return key;
}

const invalid = (): KeyServiceError =>
  new KeyServiceError(401, 'INVALID_CREDENTIALS', 'The API key pair is not valid; check both headers.');
