// The built-in rule files on disk and their parsed form from the rules cache. Kept apart
// from loadRules.ts so that a cache hit (every pre-commit run after a build) loads neither
// the TOML parser nor the rule-file checks.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RuleFileConfig } from '../scan/ruleConfig.js';
import { readRulesCache, rulesCacheKey, rulesStamp, writeRulesCache, type RuleSource } from './rulesCache.js';

// <package root>/rules/*.toml is ../../rules from both src/config (vitest, tsx) and dist/config (the CLI).
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BUILTIN_RULES_DIR = join(PACKAGE_ROOT, 'rules');
export const RULES_CACHE_DIR = join(PACKAGE_ROOT, 'dist');

/** Where the built-in rules and their cache live (another place only in tests). */
export interface BuiltinRulesLocation {
  /** Rule file names are relative to this directory. */
  root: string;
  rulesDir: string;
  cacheDir: string;
}

const PACKAGE: BuiltinRulesLocation = { root: PACKAGE_ROOT, rulesDir: BUILTIN_RULES_DIR, cacheDir: RULES_CACHE_DIR };

/** Paths of the built-in rule files, sorted (stable rule order). */
export function builtinRulePaths(rulesDir = BUILTIN_RULES_DIR): string[] {
  return readdirSync(rulesDir)
    .filter((f) => f.endsWith('.toml'))
    .sort()
    .map((f) => join(rulesDir, f));
}

export interface BuiltinRuleSources {
  sources: RuleSource[];
  key: string;
  /** Taken before the files were read: a file changed meanwhile then fails the stamp. */
  stamp: string;
}

export function builtinRuleSources(at: BuiltinRulesLocation = PACKAGE): BuiltinRuleSources {
  const paths = builtinRulePaths(at.rulesDir);
  const stamp = rulesStamp(paths);
  const sources = paths.map((p) => ({ name: relative(at.root, p), text: readFileSync(p, 'utf8') }));
  return { sources, key: rulesCacheKey(sources), stamp };
}

/**
 * The parsed built-in rules if the cache holds the current rule files, else undefined.
 * When only the stamp is outdated, the cache is rewritten with the new one, so that the
 * next run reads no TOML again.
 */
export function cachedBuiltinRuleFiles(at: BuiltinRulesLocation = PACKAGE): RuleFileConfig[] | undefined {
  const cache = readRulesCache(at.cacheDir);
  if (!cache) return undefined;
  if (cache.stamp === rulesStamp(builtinRulePaths(at.rulesDir))) return cache.files;
  const now = builtinRuleSources(at);
  if (now.key !== cache.key) return undefined;
  writeRulesCache(at.cacheDir, { ...cache, stamp: now.stamp });
  return cache.files;
}
