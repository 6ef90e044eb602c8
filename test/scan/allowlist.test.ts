import { describe, expect, it } from 'vitest';
import { fingerprintOf, revealSecret } from '../../src/scan/index.js';
import { LIVE_SECRET, scannerFromToml, TOKEN_RULES } from './helpers.js';

const RULE = (allowlist: string) => `
[[rules]]
id = "pw"
description = "password"
regex = '''password\\s*=\\s*"([^"]+)"'''
keywords = ["password"]
${allowlist}
`;

const ids = (s: ReturnType<typeof scannerFromToml>, text: string, path = 'src/a.ts') =>
  s.scanFragment({ path, text }).findings.map((f) => revealSecret(f));

describe('allowlists', () => {
  it('rule allowlist: regexes on the secret (default target)', () => {
    const s = scannerFromToml(RULE(`[[rules.allowlists]]\nregexes = ['''^dev-''']`));
    expect(ids(s, 'password = "dev-123"\npassword = "prod-456"')).toEqual(['prod-456']);
  });

  it('regexTarget = match and line', () => {
    const m = scannerFromToml(RULE(`[[rules.allowlists]]\nregexTarget = "match"\nregexes = ['''^password = ''']`));
    expect(ids(m, 'password = "a1"\npassword="b2"')).toEqual(['b2']);
    const l = scannerFromToml(RULE(`[[rules.allowlists]]\nregexTarget = "line"\nregexes = ['''// test fixture''']`));
    expect(ids(l, 'x; password = "a1" // test fixture\npassword = "b2"')).toEqual(['b2']);
  });

  it('stopwords match inside the secret, case-insensitively', () => {
    const s = scannerFromToml(RULE(`[[rules.allowlists]]\nstopwords = ["Example"]`));
    expect(ids(s, 'password = "MyEXAMPLEpw1"\npassword = "real-pw-9"')).toEqual(['real-pw-9']);
  });

  it('path regexes and globs', () => {
    const s = scannerFromToml(RULE(`[[rules.allowlists]]\npaths = ['''^fixtures/''']\nglobs = ["**/*.snap", "*.lock"]`));
    const text = 'password = "s3cr3t!"';
    expect(ids(s, text, 'fixtures/a.txt')).toEqual([]);
    expect(ids(s, text, 'src/__snapshots__/a.snap')).toEqual([]);
    expect(ids(s, text, 'deep/dir/yarn.lock')).toEqual([]);
    expect(ids(s, text, 'src/a.ts')).toEqual(['s3cr3t!']);
  });

  it('condition AND needs every criterion; OR any', () => {
    const and = scannerFromToml(RULE(`[[rules.allowlists]]\ncondition = "AND"\npaths = ['''^test/''']\nregexes = ['''^dummy''']`));
    expect(ids(and, 'password = "dummy1"', 'test/a.ts')).toEqual([]);
    expect(ids(and, 'password = "dummy1"', 'src/a.ts')).toEqual(['dummy1']);
    expect(ids(and, 'password = "real1"', 'test/a.ts')).toEqual(['real1']);
    const or = scannerFromToml(RULE(`[[rules.allowlists]]\ncondition = "OR"\npaths = ['''^test/''']\nregexes = ['''^dummy''']`));
    expect(ids(or, 'password = "dummy1"', 'src/a.ts')).toEqual([]);
    expect(ids(or, 'password = "real1"', 'test/a.ts')).toEqual([]);
    expect(ids(or, 'password = "real1"', 'src/a.ts')).toEqual(['real1']);
  });

  it('accepts the older single [rules.allowlist] table', () => {
    const s = scannerFromToml(RULE(`[rules.allowlist]\nregexes = ['''^dev-''']`));
    expect(ids(s, 'password = "dev-1"\npassword = "p-2"')).toEqual(['p-2']);
  });

  it('global allowlists apply to every rule; path-only ones skip the fragment', () => {
    const s = scannerFromToml(`${RULE('')}\n[[allowlists]]\nregexes = ['''^global-ok$''']\n[[allowlists]]\nglobs = ["vendor/**"]`);
    expect(ids(s, 'password = "global-ok"\npassword = "nope1"')).toEqual(['nope1']);
    const r = s.scanFragment({ path: 'vendor/lib.js', text: 'password = "nope1"' });
    expect(r.findings).toEqual([]);
    expect(r.skipped?.reason).toBe('ignored-path');
  });

  it('commits allowlist', () => {
    const s = scannerFromToml(RULE(`[[rules.allowlists]]\ncommits = ["deadbeef"]`));
    const text = 'password = "x1"';
    expect(s.scanFragment({ path: 'a', text, commit: { sha: 'deadbeef' } }).findings).toEqual([]);
    expect(s.scanFragment({ path: 'a', text, commit: { sha: 'cafebabe' } }).findings).toHaveLength(1);
  });
});

describe('inline ignore', () => {
  it('a line with keywarden:allow or gitleaks:allow yields nothing; other lines still do', () => {
    const s = scannerFromToml(TOKEN_RULES);
    const text = [
      `a = "${LIVE_SECRET}" // keywarden:allow`,
      `# gitleaks:allow`,
      `b = "${LIVE_SECRET}" # gitleaks:allow`,
      `c = "${LIVE_SECRET}"`,
    ].join('\n');
    expect(s.scanFragment({ path: 'a', text }).findings.map((f) => f.line)).toEqual([4]);
  });
});

describe('ignore options', () => {
  it('ignoreFingerprints: exact, and without the commit part for any commit', () => {
    const plain = scannerFromToml(TOKEN_RULES);
    const f = plain.scanFragment({ path: 'a.ts', text: LIVE_SECRET, commit: { sha: 'c1' } }).findings[0];
    const exact = scannerFromToml(TOKEN_RULES, { ignoreFingerprints: [f.fingerprint] });
    expect(exact.scanFragment({ path: 'a.ts', text: LIVE_SECRET, commit: { sha: 'c1' } }).findings).toEqual([]);
    expect(exact.scanFragment({ path: 'a.ts', text: LIVE_SECRET, commit: { sha: 'c2' } }).findings).toHaveLength(1);
    const anyCommit = scannerFromToml(TOKEN_RULES, { ignoreFingerprints: [fingerprintOf({ ruleId: f.ruleId, path: 'a.ts', secretHash: f.secretHash })] });
    expect(anyCommit.scanFragment({ path: 'a.ts', text: LIVE_SECRET, commit: { sha: 'c2' } }).findings).toEqual([]);
    expect(anyCommit.scanFragment({ path: 'a.ts', text: LIVE_SECRET }).findings).toEqual([]);
    expect(anyCommit.scanFragment({ path: 'b.ts', text: LIVE_SECRET }).findings).toHaveLength(1);
  });

  it('ignoreGlobs skip whole fragments and say so', () => {
    const s = scannerFromToml(TOKEN_RULES, { ignoreGlobs: ['dist/**', '*.min.js'] });
    expect(s.scanFragment({ path: 'dist/x.js', text: LIVE_SECRET }).skipped?.reason).toBe('ignored-path');
    expect(s.scanFragment({ path: 'a/b/c.min.js', text: LIVE_SECRET }).skipped?.reason).toBe('ignored-path');
    expect(s.scanFragment({ path: 'src/x.js', text: LIVE_SECRET }).findings).toHaveLength(1);
  });
});
