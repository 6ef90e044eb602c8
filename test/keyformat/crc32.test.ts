import { describe, expect, it } from 'vitest';
import { checksumOf, formatToken, parseToken, TOKEN_LENGTH } from '../../src/keyformat/keyFormat.js';

describe('key format', () => {
  it('builds tokens with prefix, mode, 30 random characters and a 6-character checksum', () => {
    const token = formatToken('secret', 'live', 'a'.repeat(30));
    expect(token).toHaveLength(TOKEN_LENGTH);
    expect(token.startsWith('kwsk_live_' + 'a'.repeat(30))).toBe(true);
    expect(token.slice(-6)).toBe(checksumOf('kwsk_live_' + 'a'.repeat(30)));
  });

  it('parses its own tokens and rejects a single changed character', () => {
    const token = formatToken('public', 'test');
    expect(parseToken(token)).toMatchObject({ visibility: 'public', mode: 'test' });
    const flipped = token.slice(0, 20) + (token[20] === 'x' ? 'y' : 'x') + token.slice(21);
    expect(parseToken(flipped)).toBeNull();
    expect(parseToken(token + 'a')).toBeNull();
    expect(parseToken('kwsk_prod_' + token.slice(10))).toBeNull();
  });

  it('rejects a random part that is not 30 base62 characters', () => {
    expect(() => formatToken('secret', 'test', 'short')).toThrow(/30 base62/);
    expect(() => formatToken('secret', 'test', '-'.repeat(30))).toThrow(/30 base62/);
  });
});
