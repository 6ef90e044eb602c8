// The built-in rule files on disk and their parsed form from the rules cache. Kept apart
// from loadRules.ts so that a cache hit (every pre-commit run after a build) loads neither
// the TOML parser nor the rule-file checks.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RuleFileConfig } from '../scan/ruleConfig.js';
import { readRulesCache, rulesCacheKey } from './rulesCache.js';

// <package root>/rules/*.toml is ../../rules from both src/config (vitest, tsx) and dist/config (the CLI).
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BUILTIN_RULES_DIR = join(PACKAGE_ROOT, 'rules');
export const RULES_CACHE_DIR = join(PACKAGE_ROOT, 'dist');

/** Paths of the built-in rule files, sorted (stable rule order). */
export function builtinRulePaths(): string[] {
  return readdirSync(BUILTIN_RULES_DIR)
    .filter((f) => f.endsWith('.toml'))
    .sort()
    .map((f) => join(BUILTIN_RULES_DIR, f));
}

export interface BuiltinRuleSources {
  sources: Array<{ name: string; text: string }>;
  key: string;
}

export function builtinRuleSources(): BuiltinRuleSources {
  const sources = builtinRulePaths().map((p) => ({ name: relative(PACKAGE_ROOT, p), text: readFileSync(p, 'utf8') }));
  return { sources, key: rulesCacheKey(sources) };
}

/** The parsed built-in rules if the cache holds the current rule files, else undefined. */
export function cachedBuiltinRuleFiles(from: BuiltinRuleSources = builtinRuleSources()): RuleFileConfig[] | undefined {
  return readRulesCache(RULES_CACHE_DIR, from.key);
}
