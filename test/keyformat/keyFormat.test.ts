import { describe, expect, it } from 'vitest';
import { checksumOf, formatToken, isValidToken, parseToken, randomBase62, TOKEN_LENGTH } from '../../src/keyformat/keyFormat.js';

// An independent CRC32 (IEEE, reflected) and base62 rendering, to pin the format down.
function crc32(text: string): number {
  let crc = 0xffffffff;
  for (const byte of Buffer.from(text, 'utf8')) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
function base62(n: number, width: number): string {
  let out = '';
  for (let i = 0; i < width; i++) {
    out = ALPHABET[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

describe('key format (issue 4)', () => {
  it('is kwpk_/kwsk_, test_/live_, 30 base62 random, then CRC32 of everything before as 6 base62', () => {
    for (const visibility of ['public', 'secret'] as const) {
      for (const mode of ['test', 'live'] as const) {
        const token = formatToken(visibility, mode);
        expect(token).toHaveLength(TOKEN_LENGTH);
        expect(token).toMatch(new RegExp(`^${visibility === 'public' ? 'kwpk' : 'kwsk'}_${mode}_[0-9A-Za-z]{36}$`));
        expect(token.slice(-6)).toBe(base62(crc32(token.slice(0, -6)), 6));
        expect(parseToken(token)).toMatchObject({ visibility, mode, random: token.slice(10, 40) });
      }
    }
  });

  it('matches a fixed vector', () => {
    const body = 'kwsk_live_' + '0123456789abcdefghijABCDEFGHIJ';
    expect(checksumOf(body)).toBe(base62(crc32(body), 6));
    expect(formatToken('secret', 'live', '0123456789abcdefghijABCDEFGHIJ')).toBe(body + base62(crc32(body), 6));
  });

  it('rejects every single-character corruption of the random part or checksum', () => {
    const token = formatToken('secret', 'test', randomBase62(30));
    for (let i = 10; i < token.length; i++) {
      const c = token[i] === 'a' ? 'b' : 'a';
      expect(isValidToken(token.slice(0, i) + c + token.slice(i + 1))).toBe(false);
    }
    expect(isValidToken(token.replace('kwsk_test_', 'kwsk_live_'))).toBe(false);
  });
});
