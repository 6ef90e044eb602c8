// The offline checks rules can ask for: a checksummed token with a wrong checksum is no finding.
import { describe, expect, it } from 'vitest';
import { VALIDATORS } from '../../src/scan/validators.js';
import { crc32 } from '../../src/keyformat/keyFormat.js';

const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
function githubToken(prefix: string, random: string): string {
  let v = crc32(random);
  let sum = '';
  for (let i = 0; i < 6; i++) {
    sum = B62[v % 62] + sum;
    v = Math.floor(v / 62);
  }
  return `${prefix}${random}${sum}`;
}

describe('github-crc32', () => {
  const check = VALIDATORS['github-crc32'];

  it('accepts a token whose last 6 characters are the CRC32 of the 30 before, for every classic prefix', () => {
    for (const prefix of ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_']) expect(check(githubToken(prefix, 'Qw7Er2Ty9Ui4Op1As6Df3Gh8Jk5Lz0'))).toBe(true);
  });

  it('refuses the same token with one checksum character changed, or one random character', () => {
    const good = githubToken('ghp_', 'Qw7Er2Ty9Ui4Op1As6Df3Gh8Jk5Lz0');
    const last = good.at(-1)!;
    expect(check(good.slice(0, -1) + (last === 'A' ? 'B' : 'A'))).toBe(false);
    expect(check(good.replace('Qw7', 'Qw8'))).toBe(false);
  });

  it('does not judge a length GitHub has not documented, nor a foreign prefix', () => {
    expect(check(`ghp_${'Ab1'.repeat(14)}`)).toBe(true);
    expect(check(githubToken('gha_', 'Qw7Er2Ty9Ui4Op1As6Df3Gh8Jk5Lz0'))).toBe(false);
  });
});
