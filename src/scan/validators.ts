// Named offline checks a rule can ask for (`validate = "..."`): a candidate that fails is
// not a finding. Checksummed token formats make a rule near-free of false positives.
import { crc32, parseToken } from '../keyformat/keyFormat.js';

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

export const VALIDATORS: Record<string, (secret: string) => boolean> = {
  'keywarden-crc32': (secret) => parseToken(secret) !== null,
  'github-crc32': githubCrc32,
};
