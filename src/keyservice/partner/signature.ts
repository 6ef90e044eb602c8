// Checks GitHub's signature on a partner request, over the raw body bytes (GitHub signs the
// bytes it sent; re-serialised JSON would not match), before anything parses the body.
//
// Key policy, as GitHub documents it: the `Github-Public-Key-Identifier` header names the key
// to verify with, and any key GitHub still lists under that identifier is accepted whether or
// not it `is_current` (GitHub keeps the previous key listed while it rotates, so messages signed
// just before a rotation still verify). A key GitHub no longer lists is an unknown identifier.
// A signature that only verifies with some other listed key (e.g. the old key, while the
// header names the current one) is a bad signature.
import { verify } from 'node:crypto';
import { KeyServiceError } from '../errors.js';
import type { GitHubSigningKeys } from './githubKeys.js';

export const KEY_IDENTIFIER_HEADER = 'github-public-key-identifier';
export const KEY_SIGNATURE_HEADER = 'github-public-key-signature';

const IDENTIFIER = /^[0-9A-Za-z_-]{1,200}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export const invalidSignature = (why: string): KeyServiceError =>
  new KeyServiceError(401, 'INVALID_SIGNATURE', `${why} This endpoint accepts only requests signed by GitHub secret scanning.`);

export async function verifyGitHubSignature(keys: GitHubSigningKeys, body: Buffer, identifier: string | undefined, signature: string | undefined): Promise<void> {
  if (!identifier || !signature) throw invalidSignature('The Github-Public-Key-Identifier and Github-Public-Key-Signature headers are required.');
  if (!IDENTIFIER.test(identifier)) throw invalidSignature('Github-Public-Key-Identifier is malformed.');
  if (signature.length > 200 || !BASE64.test(signature)) throw invalidSignature('Github-Public-Key-Signature must be a base64 DER ECDSA signature.');
  const key = await keys.find(identifier);
  if (!key) throw invalidSignature('Github-Public-Key-Identifier names no key GitHub currently publishes.');
  let ok = false;
  try {
    ok = verify('sha256', body, { key: key.key, dsaEncoding: 'der' }, Buffer.from(signature, 'base64'));
  } catch {
    ok = false;
  }
  if (!ok) throw invalidSignature('The signature does not match the request body.');
}
