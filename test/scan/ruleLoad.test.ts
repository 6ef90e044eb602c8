import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBuiltinRules, loadRuleFiles } from '../../src/config/loadRules.js';
import { buildRuleSet, parseRuleFile, RuleLoadError, Scanner } from '../../src/scan/index.js';

function loadError(toml: string, opts?: { requireExamples?: boolean }): RuleLoadError {
  try {
    parseRuleFile(toml, 'rules/bad.toml', opts);
  } catch (err) {
    expect(err).toBeInstanceOf(RuleLoadError);
    return err as RuleLoadError;
  }
  throw new Error('expected a RuleLoadError');
}

const rule = (body: string) => `[[rules]]\nid = "my-rule"\ndescription = "d"\n${body}\n`;

describe('invalid rule files', () => {
  it('names file, rule and problem for a regex that does not compile', () => {
    const e = loadError(rule(`regex = '''(abc'''`));
    expect(e.message).toBe('rules/bad.toml: rule "my-rule": regex does not compile: missing ): (abc');
    expect(e.file).toBe('rules/bad.toml');
    expect(e.ruleId).toBe('my-rule');
    expect(e.code).toBe('INVALID_RULES');
  });

  it('explains RE2-only syntax: lookaround, possessive quantifiers, \\Z', () => {
    expect(loadError(rule(`regex = '''foo(?=bar)'''`)).message).toMatch(/rule "my-rule": regex does not compile: .*no lookahead\/lookbehind/);
    expect(loadError(rule(`regex = '''a++'''`)).message).toMatch(/no possessive quantifiers/);
    expect(loadError(rule(`regex = '''abc\\Z'''`)).message).toMatch(/use \\z/);
  });

  it('rejects unknown keys by name, bad values, missing fields', () => {
    expect(loadError(rule(`regex = 'x'\nkeywrods = ["x"]`)).message).toMatch(/^rules\/bad.toml: rule "my-rule": unknown key "keywrods" in the rule/);
    expect(loadError(rule(`regex = 'x'\nseverity = "urgent"`)).message).toMatch(/rule "my-rule": severity must be one of critical, high, medium, low, info, not "urgent"/);
    expect(loadError(rule(`regex = 'x'\nkind = "private"`)).message).toMatch(/kind must be "secret" or "public"/);
    expect(loadError(rule(`regex = 'x'\nvalidate = "luhn"`)).message).toMatch(/unknown validator "luhn"/);
    expect(loadError(rule(`regex = 'x'\nkeywords = "x"`)).message).toMatch(/"keywords" must be an array of strings/);
    expect(loadError(rule('')).message).toBe('rules/bad.toml: rule "my-rule": needs a "regex", a "path", or both');
    expect(loadError(`[[rules]]\ndescription = "no id"\nregex = 'x'`).message).toBe('rules/bad.toml: rules[0] has no "id"');
    expect(loadError(rule(`regex = 'x'\n[[rules.allowlists]]\nregexTarget = "commit"`)).message).toMatch(/allowlists\[0\]: regexTarget must be/);
    expect(loadError(rule(`regex = 'x'\n[[rules.allowlists]]\nregexes = ['''(''']`)).message).toMatch(/rule "my-rule": allowlists\[0\] regex '\(' does not compile/);
    expect(loadError(`unknown = 1`).message).toBe('rules/bad.toml: unknown key "unknown" in the file (allowed: title, description, minVersion, rules, allowlist, allowlists, extend, disabledRules, ignorePaths, limits)');
    expect(loadError(`[[rules]\nid=`).message).toMatch(/^rules\/bad.toml: not valid TOML: /);
  });

  it('rejects duplicate ids, within a file and across files', () => {
    expect(loadError(rule(`regex = 'x'`) + rule(`regex = 'y'`)).message).toBe('rules/bad.toml: rule "my-rule": duplicate rule id (ids must be unique)');
    const a = parseRuleFile(rule(`regex = 'x'`), 'a.toml');
    const b = parseRuleFile(rule(`regex = 'y'`), 'b.toml');
    expect(() => buildRuleSet([a, b])).toThrow('b.toml: rule "my-rule": duplicate rule id (already defined in a.toml)');
  });

  it('requires a positive and a negative example for built-in rules only', () => {
    const toml = rule(`regex = 'x'\n[rules.examples]\npositive = ["x"]`);
    expect(loadError(toml, { requireExamples: true }).message).toMatch(/rule "my-rule": needs at least one positive and one negative example/);
    expect(() => parseRuleFile(toml, 'user.toml')).not.toThrow();
  });
});

describe('gitleaks compatibility', () => {
  it('loads a .gitleaks.toml with extend, allowlist tables, secretGroup, (?i) and Go syntax', () => {
    const toml = `
title = "my gitleaks config"
[extend]
useDefault = true
disabledRules = ["generic-secret-assignment"]
[allowlist]
description = "global"
paths = ['''(^|/)testdata/''']
[[rules]]
id = "internal-token"
description = "Internal token"
regex = '''(?i)(?:itok)[\\w.-]{0,10}[:=]\\s*(?P<tok>[a-z0-9]{20})\\z'''
secretGroup = 1
entropy = 2.5
keywords = ["itok"]
tags = ["internal"]
[rules.allowlist]
regexTarget = "line"
regexes = ['''fixture''']
stopwords = ["aaaaa"]
`;
    const file = parseRuleFile(toml, '.gitleaks.toml');
    expect(file.extend).toEqual({ useDefault: true, path: undefined, url: undefined, disabledRules: ['generic-secret-assignment'] });
    const set = buildRuleSet([...loadBuiltinRules().files, file]);
    expect(set.rules.some((r) => r.id === 'generic-secret-assignment')).toBe(false);
    const s = new Scanner(set);
    expect(s.scanFragment({ path: 'a.env', text: 'ITOK_VALUE= ab12cd34ef56gh78ij90' }).findings.map((f) => f.ruleId)).toEqual(['internal-token']);
    expect(s.scanFragment({ path: 'x/testdata/a.env', text: 'ITOK_VALUE= ab12cd34ef56gh78ij90' }).findings).toEqual([]);
  });

  it('loadRuleFiles reads user files and reports the path in errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw-rules-'));
    const good = join(dir, 'good.toml');
    const bad = join(dir, 'bad.toml');
    writeFileSync(good, rule(`regex = 'x'`));
    writeFileSync(bad, rule(`regex = '''[z-a]'''`));
    expect(loadRuleFiles([good])[0].rules[0].id).toBe('my-rule');
    expect(() => loadRuleFiles([bad])).toThrow(/bad\.toml: rule "my-rule": regex does not compile: invalid character class range: z-a/);
    expect(() => loadRuleFiles([join(dir, 'missing.toml')])).toThrow(/missing\.toml: cannot read the file/);
  });
});
