import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinRulePaths } from '../../src/config/loadRules.js';
import { buildRuleSet, parseRuleFile, type CompiledRule } from '../../src/scan/index.js';
import { matchRule, type RawHit } from '../../src/scan/matchRule.js';
import { relaxBounds } from '../../src/scan/relaxBounds.js';

/** A rule built from one regex, keyword `k`. */
function ruleOf(regex: string, secretGroup?: number): CompiledRule {
  const toml = `[[rules]]\nid = "r"\ndescription = "r"\nregex = '''${regex}'''\nkeywords = ["k"]\n${secretGroup === undefined ? '' : `secretGroup = ${secretGroup}\n`}`;
  return buildRuleSet([parseRuleFile(toml, 't.toml')]).rules[0];
}

/** The same rule with its relaxed form taken away: what the exact regex alone reports. */
function exactOnly(rule: CompiledRule): CompiledRule {
  return Object.defineProperties(Object.create(rule) as CompiledRule, { relaxed: { value: undefined }, regex: { value: rule.exactRegex } });
}

const hits = (rule: CompiledRule, text: string): string[] => {
  const out: RawHit[] = [];
  matchRule(rule, Buffer.from(text), out);
  return out.map((h) => `${h.start}-${h.end}:${h.secret}|${h.match}`);
};

describe('relaxBounds', () => {
  it('turns a wide bound on one character into a captured open-ended run, and keeps narrow ones', () => {
    const r = relaxBounds(String.raw`key[\w.\->]{0,30}\s{0,4}=([a-z]{8,40}?)x{2,1000}`)!;
    expect(r.source).toBe(String.raw`key([\w.\->]*)\s{0,4}=(([a-z]{8,}?))(x{2,})`);
    // Group 1 of the original is group 2 here; the runs are groups 1, 3 and 4.
    expect(r.groups).toEqual([0, 2]);
    expect(r.runs).toEqual([
      { group: 1, max: 30 },
      { group: 3, max: 40 },
      { group: 4, max: 1000 },
    ]);
  });

  it('reads classes, escapes and groups as RE2 does', () => {
    expect(relaxBounds(String.raw`[\]{(]{1,20}`)!.source).toBe(String.raw`([\]{(]+)`);
    expect(relaxBounds(String.raw`[[:alpha:]]{0,20}`)!.source).toBe(String.raw`([[:alpha:]]*)`);
    expect(relaxBounds(String.raw`\p{L}{0,20}\x{41}{0,20}\pN{0,20}`)!.source).toBe(String.raw`(\p{L}*)(\x{41}*)(\pN*)`);
    expect(relaxBounds(String.raw`(?i)(?P<name>a)b{0,20}`)!.groups).toEqual([0, 1]);
    expect(relaxBounds(String.raw`(?i:x)(a)b{0,20}(c)`)!.groups).toEqual([0, 1, 3]);
    expect(relaxBounds(String.raw`\{0,20}`)).toBeUndefined();
  });

  it('leaves what a capture could not check: groups, repeated groups, assertions, \\Q', () => {
    expect(relaxBounds(String.raw`(?:ab){0,30}`)).toBeUndefined();
    expect(relaxBounds(String.raw`(?:[a-z]{0,30}\.)+`)).toBeUndefined();
    expect(relaxBounds(String.raw`(?:[a-z]{0,30}\.){2,3}`)).toBeUndefined();
    // An optional group runs once at most: its capture sees the whole run.
    expect(relaxBounds(String.raw`(?:[a-z]{0,30}\.)?`)!.source).toBe(String.raw`(?:([a-z]*)\.)?`);
    expect(relaxBounds(String.raw`\Qa{0,30}\E`)).toBeUndefined();
    expect(relaxBounds(String.raw`a{3}b{2,9}c{4,}`)).toBeUndefined();
  });

  it('finds exactly what the exact regex finds, runs at, under and over their bounds', () => {
    const regexes = [
      String.raw`k[\w.]{0,10}=([A-Za-z0-9]{8,20})(?:[^A-Za-z0-9]|$)`,
      String.raw`k[\w.]{0,10}?=["']?([a-z]{8,20}?)["']`,
      String.raw`\bk(?:ey)?[^=\n]{1,12}=\s*(é{0,9}[0-9]{4,16})\b`,
    ];
    const fills = ['a', '.', 'é', '1'];
    for (const [i, regex] of regexes.entries()) {
      const rule = ruleOf(regex);
      expect(rule.relaxed, regex).toBeDefined();
      const exact = exactOnly(rule);
      let compared = 0;
      for (const fill of fills) {
        for (let n = 0; n <= 24; n++) {
          for (const m of [7, 8, 9, 16, 19, 20, 21, 25]) {
            const text = `x k${fill.repeat(n)}="${'ab12'.repeat(8).slice(0, m)}" k=${'9'.repeat(m)}é${'é'.repeat(n % 11)}k=1234\n`;
            expect(hits(rule, text), `${i}: ${text}`).toEqual(hits(exact, text));
            compared++;
          }
        }
      }
      expect(compared).toBe(fills.length * 25 * 8);
    }
  });

  it('keeps secretGroup numbering: group 2 of the rule is still the secret', () => {
    const rule = ruleOf(String.raw`(k)[a-z]{0,20}=([0-9]{4,30})`, 2);
    expect(rule.relaxed).toBeDefined();
    expect(hits(rule, 'kabc=123456')).toEqual(['5-11:123456|kabc=123456']);
    expect(hits(rule, `k${'a'.repeat(21)}=123456`)).toEqual([]);
  });

  it('every built-in rule: the relaxed form compiles and agrees with the exact regex on the examples', () => {
    const files = builtinRulePaths().map((p) => parseRuleFile(readFileSync(p, 'utf8'), `rules/${basename(p)}`, { requireExamples: true }));
    const rules = buildRuleSet(files).rules;
    let relaxed = 0;
    for (const rule of rules) {
      if (!rule.relaxed) continue;
      relaxed++;
      const exact = exactOnly(rule);
      const ex = rule.config.examples!;
      for (const text of [...ex.positive, ...ex.negative]) expect(hits(rule, text), rule.id).toEqual(hits(exact, text));
      // Every run one past its bound: the fallback must agree too.
      const long = `${rule.config.keywords[0] ?? ''}${'a'.repeat(1001)} = "${'Zx9'.repeat(400)}"`;
      expect(hits(rule, long), rule.id).toEqual(hits(exact, long));
    }
    expect(relaxed).toBeGreaterThan(rules.length / 2);
  });
});
