import { describe, expect, it } from 'vitest';
import { fingerprintOf, redact } from '../../src/scan/index.js';
import { LIVE_SECRET, scannerFromToml, TOKEN_RULES } from './helpers.js';

describe('fingerprints', () => {
  it('do not move when lines are inserted above the secret', () => {
    const s = scannerFromToml(TOKEN_RULES);
    const before = `const a = 1;\nconst key = "${LIVE_SECRET}";\n`;
    const after = `// new header\nimport x from 'y';\n\n\nconst a = 1;\n    const key = "${LIVE_SECRET}";\n`;
    const f1 = s.scanFragment({ path: 'src/k.ts', text: before }).findings[0];
    const f2 = s.scanFragment({ path: 'src/k.ts', text: after }).findings[0];
    expect(f1.line).toBe(2);
    expect(f2.line).toBe(6);
    expect(f2.fingerprint).toBe(f1.fingerprint);
  });

  it('have the readable [commit:]path:ruleId:hash16 form', () => {
    const h = 'a'.repeat(64);
    expect(fingerprintOf({ ruleId: 'r', path: 'p/q.ts', secretHash: h })).toBe(`p/q.ts:r:${'a'.repeat(16)}`);
    expect(fingerprintOf({ ruleId: 'r', path: 'p/q.ts', secretHash: h, commit: 'c0ffee' })).toBe(`c0ffee:p/q.ts:r:${'a'.repeat(16)}`);
  });
});

describe('redact', () => {
  it('shows at most 4 leading characters and the length', () => {
    expect(redact(LIVE_SECRET)).toBe('kwsk…(46)');
    expect(redact('hunter2!')).toBe('hu…(8)');
    expect(redact('abc')).toBe('…(3)');
    expect(redact('')).toBe('…(0)');
  });
});
