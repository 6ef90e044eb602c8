// Reads rule files from disk. The built-in rules live in <package root>/rules/*.toml,
// which is ../../rules from both src/config (vitest, tsx) and dist/config (the CLI).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RuleLoadError } from '../scan/errors.js';
import { parseRuleFile, type ParseRuleFileOptions, type RuleFileConfig } from '../scan/ruleConfig.js';
import { buildRuleSet, type BuildRuleSetOptions, type RuleSet } from '../scan/ruleSet.js';
import { readRulesCache, rulesCacheKey, writeRulesCache } from './rulesCache.js';

export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BUILTIN_RULES_DIR = join(PACKAGE_ROOT, 'rules');

/** Paths of the built-in rule files, sorted (stable rule order). */
export function builtinRulePaths(): string[] {
  return readdirSync(BUILTIN_RULES_DIR)
    .filter((f) => f.endsWith('.toml'))
    .sort()
    .map((f) => join(BUILTIN_RULES_DIR, f));
}

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
 * The built-in rule files, parsed. Regexes are not compiled here (the rule test compiles
 * every one of them, and the scanner compiles a rule only when its keywords occur), which
 * keeps start-up cheap for the pre-commit hook.
 */
export function loadBuiltinRuleFiles(): RuleFileConfig[] {
  if (builtinFiles) return builtinFiles;
  const paths = builtinRulePaths();
  const sources = paths.map((p) => ({ name: relative(PACKAGE_ROOT, p), text: readFileSync(p, 'utf8') }));
  const key = rulesCacheKey(sources);
  const cacheDir = join(PACKAGE_ROOT, 'dist');
  const cached = readRulesCache(cacheDir, key);
  if (cached) return (builtinFiles = cached);
  builtinFiles = sources.map((s) => parseRuleFile(s.text, s.name, { requireExamples: true, checkRegexes: false }));
  if (existsSync(cacheDir)) writeRulesCache(cacheDir, key, builtinFiles);
  return builtinFiles;
}

export function loadBuiltinRules(opts: BuildRuleSetOptions = {}): RuleSet {
  return buildRuleSet(loadBuiltinRuleFiles(), opts);
}

/** User rule files (e.g. a .gitleaks.toml): regexes are compiled now, so mistakes surface at load. */
export function loadRuleFiles(paths: string[], opts: ParseRuleFileOptions = {}): RuleFileConfig[] {
  return paths.map((p) => readRuleFile(p, { checkRegexes: true, ...opts }));
}
