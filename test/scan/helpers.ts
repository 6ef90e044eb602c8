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
