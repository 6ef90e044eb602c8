import { describe, expect, it } from 'vitest';
import { loadBuiltinRules } from '../../src/config/loadRules.js';
import { Scanner } from '../../src/scan/index.js';
import { LIVE_SECRET, scannerFromToml } from './helpers.js';

const RULES = `
[[rules]]
id = "specific"
description = "kw token"
regex = '''kwsk_live_[0-9A-Za-z]{36}'''
keywords = ["kwsk_live_"]
[[rules]]
id = "generic-a"
description = "generic assignment"
regex = '''(?i)key\\s*=\\s*"([^"]{16,})"'''
keywords = ["key"]
generic = true
[[rules]]
id = "generic-b"
description = "another generic"
regex = '''"([^"]{20,})"'''
keywords = ["\\""]
generic = true
`;

describe('dedupe', () => {
  it('keeps only the specific rule when a generic one hits the same secret on the same line', () => {
    const s = scannerFromToml(RULES);
    const { findings } = s.scanFragment({ path: 'a', text: `key = "${LIVE_SECRET}"` });
    expect(findings.map((f) => f.ruleId)).toEqual(['specific']);
  });

  it('reports a generic hit once when two generic rules find the same secret', () => {
    const s = scannerFromToml(RULES);
    const { findings } = s.scanFragment({ path: 'a', text: 'key = "Zx9Lq2Wm7Rt4Vb1Nc8Hs"' });
    expect(findings.map((f) => f.ruleId)).toEqual(['generic-a']);
  });

  it('keeps generic hits on other lines or other secrets', () => {
    const s = scannerFromToml(RULES);
    const { findings } = s.scanFragment({ path: 'a', text: `x = "${LIVE_SECRET}"\nkey = "Zx9Lq2Wm7Rt4Vb1Nc8Hs"` });
    expect(findings.map((f) => f.ruleId).sort()).toEqual(['generic-a', 'specific']);
  });

  it('with the built-in rules, a key-service header reports the checksum rule, not the header rule', () => {
    const s = new Scanner(loadBuiltinRules());
    const { findings } = s.scanFragment({ path: 'req.http', text: `private-secret-key: ${LIVE_SECRET}` });
    expect(findings.map((f) => f.ruleId)).toEqual(['keywarden-secret-key-live']);
  });
});
