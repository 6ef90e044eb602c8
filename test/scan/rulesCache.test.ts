import { mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinRuleSources, cachedBuiltinRuleFiles, type BuiltinRulesLocation } from '../../src/config/builtinRuleFiles.js';
import { loadBuiltinRuleFiles } from '../../src/config/loadRules.js';
import { readRulesCache, rulesCacheKey, writeRulesCache } from '../../src/config/rulesCache.js';
import { parseRuleFile } from '../../src/scan/index.js';

describe('built-in rules cache', () => {
  const file = parseRuleFile(`[[rules]]\nid = "r"\ndescription = "d"\nregex = 'x'\nkeywords = ["x"]`, 'rules/a.toml');

  it('reads back what was written, nothing from a damaged or older file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kw-cache-'));
    const key = rulesCacheKey([{ name: 'rules/a.toml', text: 'v1' }]);
    expect(rulesCacheKey([{ name: 'rules/a.toml', text: 'v2' }])).not.toBe(key);
    writeRulesCache(dir, { key, stamp: 's', files: [file] });
    expect(readRulesCache(dir)).toEqual({ key, stamp: 's', files: [file] });
    writeFileSync(join(dir, 'rules-cache.json'), '{"format":1,');
    expect(readRulesCache(dir)).toBeUndefined();
    writeFileSync(join(dir, 'rules-cache.json'), JSON.stringify({ format: 2, key, files: [file] }));
    expect(readRulesCache(dir)).toBeUndefined();
    expect(() => writeRulesCache(join(dir, 'missing', 'dir'), { key, stamp: 's', files: [file] })).not.toThrow();
  });

  it('serves the rules while the files are untouched or unchanged, never after an edit', () => {
    const root = mkdtempSync(join(tmpdir(), 'kw-cache-'));
    const at: BuiltinRulesLocation = { root, rulesDir: join(root, 'rules'), cacheDir: join(root, 'dist') };
    mkdirSync(at.rulesDir);
    mkdirSync(at.cacheDir);
    const rule = join(at.rulesDir, 'a.toml');
    writeFileSync(rule, 'v1');
    const from = builtinRuleSources(at);
    expect(from.sources).toEqual([{ name: join('rules', 'a.toml'), text: 'v1' }]);
    expect(cachedBuiltinRuleFiles(at)).toBeUndefined();
    writeRulesCache(at.cacheDir, { key: from.key, stamp: from.stamp, files: [file] });
    expect(cachedBuiltinRuleFiles(at)).toEqual([file]);

    // Touched (a checkout): the contents decide, and the stamp is renewed.
    utimesSync(rule, new Date(2001, 1, 1), new Date(2001, 1, 1));
    expect(cachedBuiltinRuleFiles(at)).toEqual([file]);
    expect(readRulesCache(at.cacheDir)?.stamp).toBe(builtinRuleSources(at).stamp);

    // Edited (to the same size): never served, and the cache is left for loadRules to replace.
    writeFileSync(rule, 'v2');
    expect(cachedBuiltinRuleFiles(at)).toBeUndefined();
    expect(JSON.parse(readFileSync(join(at.cacheDir, 'rules-cache.json'), 'utf8')).key).toBe(from.key);
  });

  it('loads the built-in rules with file names relative to the package', () => {
    const files = loadBuiltinRuleFiles();
    expect(files.map((f) => f.file)).toContain('rules/keywarden.toml');
    expect(files.flatMap((f) => f.rules).length).toBeGreaterThan(150);
  });
});
