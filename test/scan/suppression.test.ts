import { describe, expect, it } from 'vitest';
import { FINDING_FILTERS } from '../../src/scan/findingFilters.js';
import { Suppressions } from '../../src/scan/suppression.js';
import { LIVE_SECRET, scannerFromToml } from './helpers.js';

const RULES = `
[[rules]]
id = "specific"
description = "kw token"
regex = '''kwsk_live_[0-9A-Za-z]{36}'''
keywords = ["kwsk_live_"]
[[rules]]
id = "generic-key"
description = "generic assignment"
regex = '''(?i)key\\s*=\\s*"([^"]{16,})"'''
keywords = ["key"]
generic = true
`;

describe('suppression, after dedupe', () => {
  const text = `key = "${LIVE_SECRET}"\n`;
  const [reported] = scannerFromToml(RULES).scanFragment({ path: 'conf/a.env', text }).findings;

  it('runs after dedupe, in a visible order', () => {
    expect(FINDING_FILTERS.map((f) => f.name)).toEqual(['inline-ignore', 'allowlist', 'dedupe', 'suppression']);
  });

  it("a suppressed secret does not come back as the catch-all hit the dedupe dropped", () => {
    expect(reported.ruleId).toBe('specific');
    const s = scannerFromToml(RULES, { ignoreFingerprints: [reported.fingerprint] });
    expect(s.scanFragment({ path: 'conf/a.env', text }).findings).toEqual([]);
  });

  it('holds the secret whatever rule reports it, in that path only', () => {
    const generic = `api_key = "${LIVE_SECRET.replace('kwsk_live_', 'other_')}"\n`;
    const [catchAll] = scannerFromToml(RULES).scanFragment({ path: 'conf/a.env', text: generic }).findings;
    expect(catchAll.ruleId).toBe('generic-key');
    // The entry names the specific rule; the same secret under the catch-all is still held.
    const entry = `conf/a.env:specific:${catchAll.secretHash.slice(0, 16)}`;
    const s = scannerFromToml(RULES, { ignoreFingerprints: [entry] });
    expect(s.scanFragment({ path: 'conf/a.env', text: generic }).findings).toEqual([]);
    expect(s.scanFragment({ path: 'conf/b.env', text: generic }).findings).toHaveLength(1);
  });

  it('an entry with a commit holds that commit only; without one, every commit', () => {
    const commit = { sha: 'a'.repeat(40) };
    const other = { sha: 'b'.repeat(40) };
    const inCommit = scannerFromToml(RULES, { ignoreFingerprints: [`${commit.sha}:${reported.fingerprint}`] });
    expect(inCommit.scanFragment({ path: 'conf/a.env', text, commit }).findings).toEqual([]);
    expect(inCommit.scanFragment({ path: 'conf/a.env', text, commit: other }).findings).toHaveLength(1);
    expect(inCommit.scanFragment({ path: 'conf/a.env', text }).findings).toHaveLength(1);
    const anyCommit = scannerFromToml(RULES, { ignoreFingerprints: [reported.fingerprint] });
    expect(anyCommit.scanFragment({ path: 'conf/a.env', text, commit: other }).findings).toEqual([]);
  });

  it('reads paths with colons from the right; malformed entries hold nothing', () => {
    const hash = 'ab'.repeat(32);
    const s = new Suppressions(['C:/work/x:y.env:some-rule:ABABABABABABABAB', 'not-a-fingerprint', ':x']);
    expect(s.suppresses({ path: 'C:/work/x:y.env', secretHash: hash })).toBe(true);
    expect(s.suppresses({ path: 'x:y.env', secretHash: hash })).toBe(false);
    expect(s.size).toBe(1);
  });
});
