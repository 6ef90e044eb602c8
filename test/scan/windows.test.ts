// Large fragments run each rule only around its keywords; these pin that windows never lose
// or truncate what a whole-fragment run finds.
import { describe, expect, it } from 'vitest';
import { revealSecret } from '../../src/scan/index.js';
import { spellsKeyword } from '../../src/scan/ruleRuns.js';
import { scannerFromToml, tokenChars } from './helpers.js';

const PAD = ('const filler = 1; // nothing to see here\n').repeat(1000); // ~40 KB: windows apply

describe('keyword windows', () => {
  it('finds a secret on the line after its keyword', () => {
    const s = scannerFromToml(`
[[rules]]
id = "next-line"
description = "d"
regex = '''(?i)acme\\W+(acm_[0-9a-z]{20})'''
keywords = ["acme"]
`);
    const token = `acm_${tokenChars(20)}`;
    const text = `${PAD}config.acme =\n  "${token}";\n${PAD}`;
    expect(s.scanFragment({ path: 'a.js', text }).findings.map((f) => revealSecret(f))).toEqual([token]);
  });

  it('runs a regex that spans many lines over the whole fragment', () => {
    const s = scannerFromToml(`
[[rules]]
id = "pem"
description = "d"
regex = '''-----BEGIN TEST KEY-----[\\s\\S]*?-----END TEST KEY-----'''
keywords = ["-----begin test key"]
`);
    const body = Array.from({ length: 120 }, (_, i) => `QUJD${i}${tokenChars(58, i + 1)}`.slice(0, 64)).join('\n');
    const text = `${PAD}-----BEGIN TEST KEY-----\n${body}\n-----END TEST KEY-----\n${PAD}`;
    const { findings } = s.scanFragment({ path: 'k.pem', text });
    expect(findings).toHaveLength(1);
    expect(revealSecret(findings[0])!.length).toBeGreaterThan(7000);
  });

  it('widens to the whole fragment when a match runs into a cut of a long line', () => {
    const s = scannerFromToml(`
[[rules]]
id = "long-value"
description = "d"
regex = '''blob=([A-Za-z0-9]+)'''
keywords = ["blob="]
`);
    const value = tokenChars(9000); // 9000 chars: longer than the 4 KB window after the keyword
    const text = `${PAD}${'y'.repeat(5000)} blob=${value} ${'z'.repeat(5000)}\n${PAD}`;
    const { findings } = s.scanFragment({ path: 'min.js', text });
    expect(findings.map((f) => revealSecret(f)!.length)).toEqual([value.length]);
  });

  it('finds a secret lines away from a keyword its regex does not spell (a provider name)', () => {
    const s = scannerFromToml(`
[[rules]]
id = "named"
description = "d"
regex = '''\\b(nmd_[0-9a-z]{24})\\b'''
keywords = ["namedcorp"]
`);
    const token = `nmd_${tokenChars(24).toLowerCase()}`;
    const text = `${PAD}// NamedCorp client\nconst client = create({\n  retries: 3,\n  timeout: 10,\n  auth: "${token}",\n});\n${PAD}`;
    expect(s.scanFragment({ path: 'a.js', text }).findings.map((f) => revealSecret(f))).toEqual([token]);
  });

  it('tells keywords a regex spells from context keywords', () => {
    expect(spellsKeyword('\\b(pat[A-Za-z0-9]{14}\\.[a-f0-9]{64})\\b', ' pat')).toBe(true);
    expect(spellsKeyword('://[^\\s:@/]{1,64}:([^\\s:@/]{3,128})@', '://')).toBe(true);
    expect(spellsKeyword('(?i)(?:password|secret)\\s*=', 'PASSWORD')).toBe(true);
    expect(spellsKeyword('\\b(AC[0-9a-f]{32})\\b', '=ac')).toBe(true);
    expect(spellsKeyword('\\b(AC[0-9a-f]{32})\\b', 'twilio')).toBe(false);
    expect(spellsKeyword('\\b(ptr_[A-Za-z0-9+/]{43}=)', 'portainer')).toBe(false);
  });
});
