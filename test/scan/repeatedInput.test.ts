// Input that repeats a keyword or a value (crafted, or generated files) must not cost a regex
// result and a validator call per repetition: see password-assignment and the scanner's
// per-fragment verdicts. Asserted on behaviour (match and call counts), not on time.
import { describe, expect, it } from 'vitest';
import { loadBuiltinRules } from '../../src/config/loadRules.js';
import { Scanner } from '../../src/scan/index.js';
import { matchRule, type RawHit } from '../../src/scan/matchRule.js';
import { scannerFromToml } from './helpers.js';

describe('repeated input', () => {
  it('password-assignment does not match inside `password="` repeated (one unclosed string)', () => {
    const rules = loadBuiltinRules();
    const rule = rules.rules.find((r) => r.id === 'password-assignment')!;
    const text = Buffer.from('password="'.repeat(5000));
    const raw: RawHit[] = [];
    matchRule(rule, text, raw);
    // At most the last repetition, closed by the end of the text.
    expect(raw.length).toBeLessThanOrEqual(1);
    expect(new Scanner(rules).scanFragment({ path: 'crafted.txt', text }).findings).toEqual([]);
  });

  it('password-assignment still finds a literal followed by punctuation, a space or the end of text', () => {
    const scanner = new Scanner(loadBuiltinRules());
    for (const text of ['password = "Qx7kP2aLm"', 'login(password="Qx7kP2aLm")', "db_password: 'Qx7kP2aLm' # prod", 'if (pwd == "Qx7kP2aLm") {']) {
      expect(scanner.scanFragment({ path: 'src/app.py', text }).findings.map((f) => f.ruleId), text).toContain('password-assignment');
    }
  });

  it('asks a rule\'s validator once per distinct secret in a fragment, and still reports every occurrence', () => {
    const scanner = scannerFromToml(`
[[rules]]
id = "pw"
description = "pw"
regex = '''pw\\s*=\\s*"([^"]{3,64})"'''
keywords = ["pw"]
validate = "password-literal"
severity = "high"
`);
    const rule = scanner.rules.rules[0];
    const original = rule.validator!;
    let calls = 0;
    Object.defineProperty(rule, 'validator', { value: (s: string) => (calls++, original(s)) });
    const text = 'pw = "Qx7kP2aLm";\npw = "changeme";\n'.repeat(300);
    const findings = scanner.scanFragment({ path: 'src/a.js', text }).findings;
    expect(calls).toBe(2);
    expect(findings).toHaveLength(300);
    expect(new Set(findings.map((f) => f.line)).size).toBe(300);
  });
});
