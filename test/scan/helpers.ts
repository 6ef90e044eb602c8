// Shared test helpers: build a scanner from inline TOML, and a few valid key-service tokens.
import { formatToken } from '../../src/keyformat/keyFormat.js';
import { buildRuleSet, parseRuleFile, Scanner, type ScannerOptions } from '../../src/scan/index.js';

export function scannerFromToml(toml: string, options?: ScannerOptions): Scanner {
  return new Scanner(buildRuleSet([parseRuleFile(toml, 'test.toml')]), options);
}

export const LIVE_SECRET = formatToken('secret', 'live', 'Zq3Wm8Kx1Lp6Rv9Tn2Bc5Hy7Jd4Gs0');
export const TEST_SECRET = formatToken('secret', 'test', 'Ab3Wm8Kx1Lp6Rv9Tn2Bc5Hy7Jd4Gs9');
export const LIVE_PUBLIC = formatToken('public', 'live', 'Pk3Wm8Kx1Lp6Rv9Tn2Bc5Hy7Jd4Gs1');

export const TOKEN_RULES = `
[[rules]]
id = "kw-secret"
description = "kw secret"
regex = '''kwsk_(?:live|test)_[0-9A-Za-z]{36}\\b'''
keywords = ["kwsk_"]
validate = "keywarden-crc32"
rotator = "keyservice"
severity = "critical"
`;

/**
 * `n` base62 characters from a fixed seed: token-shaped test values. The engine drops values
 * made of typed runs (0123…, abcd…, Ab1Ab1…) as placeholders, so tests that need a value to
 * be found use these.
 */
export function tokenChars(n: number, seed = 1): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  let x = seed >>> 0 || 1;
  let out = '';
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out += alphabet[(x >>> 16) % 62];
  }
  return out;
}
