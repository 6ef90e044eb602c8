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

/** GitHub's classic tokens (ghp_, gho_, ghu_, ghs_, ghr_): 30 random base62 + 6 base62 CRC32. */
function githubCrc32(token: string): boolean {
  const m = /^(gh[pousr]_)([0-9A-Za-z]{30})([0-9A-Za-z]{6})$/.exec(token);
  if (!m) return false;
  return base62Fixed(crc32(m[2]), 6) === m[3];
}

export const VALIDATORS: Record<string, (secret: string) => boolean> = {
  'keywarden-crc32': (secret) => parseToken(secret) !== null,
  'github-crc32': githubCrc32,
};
