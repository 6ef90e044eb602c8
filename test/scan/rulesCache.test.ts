import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBuiltinRuleFiles } from '../../src/config/loadRules.js';
import { readRulesCache, rulesCacheKey, writeRulesCache } from '../../src/config/rulesCache.js';
import { parseRuleFile } from '../../src/scan/index.js';

describe('built-in rules cache', () => {
  const file = parseRuleFile(`[[rules]]\nid = "r"\ndescription = "d"\nregex = 'x'\nkeywords = ["x"]`, 'rules/a.toml');

  it('serves what was written for the same rule texts, nothing for changed or damaged ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw-cache-'));
    const key = rulesCacheKey([{ name: 'rules/a.toml', text: 'v1' }]);
    writeRulesCache(dir, key, [file]);
    expect(readRulesCache(dir, key)).toEqual([file]);
    expect(readRulesCache(dir, rulesCacheKey([{ name: 'rules/a.toml', text: 'v2' }]))).toBeUndefined();
    writeFileSync(join(dir, 'rules-cache.json'), '{"format":1,');
    expect(readRulesCache(dir, key)).toBeUndefined();
    expect(() => writeRulesCache(join(dir, 'missing', 'dir'), key, [file])).not.toThrow();
  });

  it('loads the built-in rules with file names relative to the package', () => {
    const files = loadBuiltinRuleFiles();
    expect(files.map((f) => f.file)).toContain('rules/keywarden.toml');
    expect(files.flatMap((f) => f.rules).length).toBeGreaterThan(150);
  });
});
