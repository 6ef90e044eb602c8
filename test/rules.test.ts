// One test for every built-in rule: each positive example must be found by that rule,
// each negative example must yield nothing from it. Adding a rule or a false-positive
// case is a change to rules/*.toml, not to code.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinRulePaths } from '../src/config/loadRules.js';
import { buildRuleSet, parseRuleFile, Scanner, type Finding, type RuleConfig, type RuleFileConfig } from '../src/scan/index.js';

const files: RuleFileConfig[] = builtinRulePaths().map((p) =>
  parseRuleFile(readFileSync(p, 'utf8'), `rules/${basename(p)}`, { requireExamples: true, checkRegexes: true }),
);

const everyRule = new Scanner(buildRuleSet(files));

function scannerFor(file: RuleFileConfig, rule: RuleConfig): Scanner {
  return new Scanner(buildRuleSet([{ ...file, rules: [rule], disabledRules: [], extend: undefined }]));
}

/** Ids of the rule's findings in `text` at `path` (nothing but ids: examples hold secret look-alikes). */
function idsFound(scanner: Scanner, text: string, path: string): string[] {
  return scanner.scanFragment({ path, text }).findings.map((f) => f.ruleId);
}

/** Findings whose secret overlaps `f`'s on its line (`f` itself included when it was reported). */
function overlapping(findings: Finding[], f: Finding): Finding[] {
  return findings.filter((g) => g.line === f.line && g.column < f.endColumn && f.column < g.endColumn);
}

describe('built-in rules', () => {
  it('load together: ids are unique across all files', () => {
    expect(files.length).toBeGreaterThan(0);
    expect(() => buildRuleSet(files)).not.toThrow();
  });

  for (const file of files) {
    describe(file.file, () => {
      for (const rule of file.rules) {
        it(`${rule.id}: finds every positive example and no negative one`, () => {
          const ex = rule.examples!;
          const scanner = scannerFor(file, rule);
          const contentPath = ex.positivePaths[0] ?? 'examples/config.txt';
          if (rule.regex !== undefined) {
            expect(rule.keywords.length, `${rule.id} needs keywords: a rule without them runs on every file`).toBeGreaterThan(0);
          }
          ex.positive.forEach((text, i) => {
            expect(idsFound(scanner, text, contentPath), `${rule.id}: positive example #${i + 1} not found`).toContain(rule.id);
          });
          // With every built-in rule loaded, each secret the rule finds is reported exactly once
          // (by this rule or a more specific one, see src/scan/dedupe.ts). Checked per secret:
          // some examples hold two (an AWS key id and its secret, a Twilio SID and its token).
          if (rule.regex !== undefined) {
            ex.positive.forEach((text, i) => {
              const all = everyRule.scanFragment({ path: contentPath, text }).findings;
              for (const own of scanner.scanFragment({ path: contentPath, text }).findings) {
                const ids = overlapping(all, own).map((f) => f.ruleId);
                expect(ids, `${rule.id}: positive example #${i + 1}, secret at ${own.line}:${own.column}, reported by`).toHaveLength(1);
              }
            });
          }
          ex.negative.forEach((text, i) => {
            expect(idsFound(scanner, text, contentPath), `${rule.id}: negative example #${i + 1} was reported`).not.toContain(rule.id);
          });
          const sample = ex.positive[0] ?? 'content';
          ex.positivePaths.forEach((p, i) => {
            expect(idsFound(scanner, sample, p), `${rule.id}: positive path #${i + 1} (${p}) not found`).toContain(rule.id);
          });
          ex.negativePaths.forEach((p, i) => {
            expect(idsFound(scanner, sample, p), `${rule.id}: negative path #${i + 1} (${p}) was reported`).not.toContain(rule.id);
          });
        });
      }
    });
  }
});
