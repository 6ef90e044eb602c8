import { describe, expect, it } from 'vitest';
import { loadBuiltinRules } from '../../src/config/loadRules.js';
import { hashSecret, revealSecret, Scanner } from '../../src/scan/index.js';
import { LIVE_PUBLIC, LIVE_SECRET, scannerFromToml, TEST_SECRET, TOKEN_RULES } from './helpers.js';

describe('Scanner', () => {
  const builtin = new Scanner(loadBuiltinRules());

  it('reports a key-service secret key with position, hash, preview and fingerprint', () => {
    const text = `# config\nconst a = 1;\n  key: "${LIVE_SECRET}"\n`;
    const { findings, skipped } = builtin.scanFragment({ path: 'src/app.ts', text });
    expect(skipped).toBeUndefined();
    const f = findings.find((x) => x.ruleId === 'keywarden-secret-key-live');
    expect(f).toBeDefined();
    expect(f!.line).toBe(3);
    expect(f!.column).toBe(9);
    expect(f!.endColumn).toBe(9 + LIVE_SECRET.length);
    expect(f!.severity).toBe('critical');
    expect(f!.kind).toBe('secret');
    expect(f!.rotator).toBe('keyservice');
    expect(f!.secretHash).toBe(hashSecret(LIVE_SECRET));
    expect(f!.preview).toBe('kwsk…(46)');
    expect(f!.fingerprint).toBe(`src/app.ts:keywarden-secret-key-live:${f!.secretHash.slice(0, 16)}`);
    expect(f!.entropy).toBeGreaterThan(4);
    expect(revealSecret(f!)).toBe(LIVE_SECRET);
  });

  it('never serialises the raw secret', () => {
    const text = `A=${LIVE_SECRET}\nB=${TEST_SECRET}\nprivate-secret-key: ${LIVE_SECRET}\n`;
    const { findings } = builtin.scanFragment({ path: '.env', text, commit: { sha: 'abc123', author: 'Ann', email: 'a@x', date: '2024-01-01T00:00:00Z', message: 'oops' } });
    expect(findings.length).toBeGreaterThanOrEqual(2);
    const json = JSON.stringify(findings);
    expect(json).not.toContain(LIVE_SECRET);
    expect(json).not.toContain(TEST_SECRET);
    expect(json).not.toContain(LIVE_SECRET.slice(10));
    expect(JSON.stringify(structuredClone(findings))).not.toContain(LIVE_SECRET);
    expect(findings[0].commit).toBe('abc123');
    expect(findings[0].author).toBe('Ann');
    expect(findings[0].fingerprint.startsWith('abc123:.env:')).toBe(true);
  });

  it('rejects a key-service token whose checksum is wrong', () => {
    const last = LIVE_SECRET.at(-1)!;
    const broken = LIVE_SECRET.slice(0, -1) + (last === 'A' ? 'B' : 'A');
    const { findings } = builtin.scanFragment({ path: 'a.txt', text: `token ${broken}` });
    expect(findings.filter((f) => f.ruleId.startsWith('keywarden-'))).toEqual([]);
    expect(builtin.scanFragment({ path: 'a.txt', text: `token ${LIVE_SECRET}` }).findings.map((f) => f.ruleId)).toContain('keywarden-secret-key-live');
  });

  it('reports public keys as informational and never for rotation', () => {
    const { findings } = builtin.scanFragment({ path: 'index.html', text: `init('${LIVE_PUBLIC}')` });
    const f = findings.find((x) => x.ruleId === 'keywarden-public-key-live')!;
    expect(f.kind).toBe('public');
    expect(f.severity).toBe('info');
    expect(f.rotator).toBeUndefined();
  });

  it('honours diff line numbers and startLine', () => {
    const s = scannerFromToml(TOKEN_RULES);
    const diff = s.scanFragment({ path: 'a.ts', text: `x\n${LIVE_SECRET}\n`, lineNumbers: [10, 42] });
    expect(diff.findings[0].line).toBe(42);
    const offset = s.scanFragment({ path: 'a.ts', text: `x\ny\n  ${LIVE_SECRET}`, startLine: 100 });
    expect(offset.findings[0].line).toBe(102);
    expect(offset.findings[0].column).toBe(3);
  });

  it('counts columns in UTF-16 units after multi-byte characters', () => {
    const s = scannerFromToml(TOKEN_RULES);
    const { findings } = s.scanFragment({ path: 'a.ts', text: `ünïcödé → 🔑 ${LIVE_SECRET}` });
    expect(findings).toHaveLength(1);
    expect(findings[0].column).toBe(`ünïcödé → 🔑 `.length + 1);
  });

  it('uses the secretGroup, or the first non-empty group, as the secret', () => {
    const s = scannerFromToml(`
[[rules]]
id = "grouped"
description = "d"
regex = '''(?:(token)|(pass))=(\\w+)'''
secretGroup = 3
keywords = ["token", "pass"]
[[rules]]
id = "first-group"
description = "d"
regex = '''key:(x)?(\\w{6,})'''
keywords = ["key:"]
`);
    const { findings } = s.scanFragment({ path: 'a', text: 'token=abc123\nkey:qwerty1' });
    expect(findings.map((f) => [f.ruleId, revealSecret(f)])).toEqual([
      ['grouped', 'abc123'],
      ['first-group', 'qwerty1'],
    ]);
  });

  it('applies the entropy floor', () => {
    const s = scannerFromToml(`
[[rules]]
id = "e"
description = "d"
regex = '''val=(\\w+)'''
entropy = 3.0
keywords = ["val="]
`);
    expect(s.scanFragment({ path: 'a', text: 'val=aaaaaaaaaaaaaaaa' }).findings).toEqual([]);
    expect(s.scanFragment({ path: 'a', text: 'val=a8Kd2Lq9Zx4' }).findings).toHaveLength(1);
  });

  it('drops a value no credential is as long as (32K characters): a blob, not a secret', () => {
    const s = scannerFromToml(`
[[rules]]
id = "v"
description = "d"
regex = '''val=([A-Za-z0-9]{8,})'''
keywords = ["val="]
`);
    const value = (n: number): string => Array.from({ length: n }, (_, i) => 'Zq3Wm8Kx1Lp6Rv9Tn2Bc5Hy7Jd4Gs0a'[(i * 7 + (i >> 5)) % 31]).join('');
    expect(s.scanFragment({ path: 'a', text: `val=${value(20_000)}` }).findings).toHaveLength(1);
    expect(s.scanFragment({ path: 'a', text: `val=${value(40_000)}` }).findings).toEqual([]);
  });

  it('runs only the rules whose keywords occur, any case', () => {
    const s = scannerFromToml(`
[[rules]]
id = "needs-keyword"
description = "d"
regex = '''[0-9]{6}'''
keywords = ["PIN"]
`);
    expect(s.scanFragment({ path: 'a', text: 'code 123456' }).findings).toEqual([]);
    expect(s.scanFragment({ path: 'a', text: 'Pin code 123456' }).findings).toHaveLength(1);
  });

  it('reports path rules (a private key file by its name)', () => {
    const s = scannerFromToml(`
[[rules]]
id = "ssh-key-file"
description = "d"
path = '''(?i)(^|/)id_[rd]sa$'''

[[rules]]
id = "keystore-file"
description = "d"
path = '''\\.(?:jks|keystore)$'''
`);
    expect(s.scanFragment({ path: 'home/.ssh/id_rsa', text: 'whatever' }).findings.map((f) => f.ruleId)).toEqual(['ssh-key-file']);
    expect(s.scanFragment({ path: 'app/release.keystore', text: 'whatever' }).findings.map((f) => f.ruleId)).toEqual(['keystore-file']);
    expect(s.scanFragment({ path: 'home/.ssh/id_rsa.pub', text: 'whatever' }).findings).toEqual([]);
  });

  it('honours a leading \\b, also at the start of a window', () => {
    const s = scannerFromToml(`
[[rules]]
id = "bounded"
description = "d"
regex = '''\\b(tok_[0-9]{4})'''
keywords = ["tok_"]
`);
    const found = (text: string) => s.scanFragment({ path: 'a', text }).findings.map((f) => f.column);
    expect(found('tok_1234')).toEqual([1]);
    expect(found('xtok_1234 tok_5678')).toEqual([11]);
    expect(found('a_tok_1234')).toEqual([]);
    expect(found('(tok_1234)')).toEqual([2]);
    // A long fragment, so the rule runs on windows: a window's start is a line start.
    const pad = 'filler line\n'.repeat(600);
    expect(s.scanFragment({ path: 'a', text: `${pad}tok_4321\nxtok_8765\n${pad}` }).findings.map((f) => f.line)).toEqual([601]);
  });
});
