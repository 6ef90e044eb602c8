// Reads rule files from disk. The built-in rules live in <package root>/rules/*.toml.
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { RuleLoadError } from '../scan/errors.js';
import { parseRuleFile, type ParseRuleFileOptions, type RuleFileConfig } from '../scan/ruleConfig.js';
import { buildRuleSet, type BuildRuleSetOptions, type RuleSet } from '../scan/ruleSet.js';
import { builtinRuleSources, cachedBuiltinRuleFiles, RULES_CACHE_DIR } from './builtinRuleFiles.js';
import { withoutExamples, writeRulesCache } from './rulesCache.js';
import { builtinAutomaton } from './automatonCache.js';

export { BUILTIN_RULES_DIR, builtinRulePaths, PACKAGE_ROOT } from './builtinRuleFiles.js';

function readRuleFile(path: string, opts: ParseRuleFileOptions): RuleFileConfig {
  const shown = relative(process.cwd(), path) || path;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new RuleLoadError(shown, `cannot read the file: ${(err as Error).message}`);
  }
  return parseRuleFile(text, shown.startsWith('..') ? path : shown, opts);
}

let builtinFiles: RuleFileConfig[] | undefined;

/**
 * The built-in rule files, parsed, without their examples (the rule test reads those from the
 * TOML itself). Regexes are not compiled here (the rule test compiles
 * every one of them, and the scanner compiles a rule only when its keywords occur), which
 * keeps start-up cheap for the pre-commit hook.
 */
export function loadBuiltinRuleFiles(): RuleFileConfig[] {
  if (builtinFiles) return builtinFiles;
  const cached = cachedBuiltinRuleFiles();
  if (cached) return (builtinFiles = cached);
  const from = builtinRuleSources();
  // Same shape as a cache hit: the examples are checked here (requireExamples) and dropped.
  builtinFiles = withoutExamples(from.sources.map((s) => parseRuleFile(s.text, s.name, { requireExamples: true, checkRegexes: false })));
  if (existsSync(RULES_CACHE_DIR)) writeRulesCache(RULES_CACHE_DIR, { key: from.key, stamp: from.stamp, files: builtinFiles });
  return builtinFiles;
}

/** The built-in rules; their keyword automaton is adopted from dist/ when built there (see automatonCache.ts). */
export function loadBuiltinRules(opts: BuildRuleSetOptions = {}): RuleSet {
  return buildRuleSet(loadBuiltinRuleFiles(), { automaton: () => builtinAutomaton(), ...opts });
}

/** User rule files (e.g. a .gitleaks.toml): regexes are compiled now, so mistakes surface at load. */
export function loadRuleFiles(paths: string[], opts: ParseRuleFileOptions = {}): RuleFileConfig[] {
  return paths.map((p) => readRuleFile(p, { checkRegexes: true, ...opts }));
}
