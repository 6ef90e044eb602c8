// Parsed built-in rules cached as JSON in dist/, so the pre-commit hook does not parse
// ~400 rules of TOML on every commit (JSON.parse is ~15x faster). The cache sits with the
// compiled code (same trust); when dist/ is not writable, parsing simply happens each time.
//
// Whether the cache still holds the current rule files is decided in two steps. The stamp
// (each file's name, size and mtime) costs a stat per file; when it matches, no TOML is
// read. When it does not (files touched, e.g. checked out again), the key (SHA-256 of the
// files' contents) decides, so an edited rule is never served stale.
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { RuleFileConfig } from '../scan/ruleConfig.js';

// 2: rules are stored without their `examples` (half the file; only the rule test reads
// them, from the TOML), so the pre-commit hook parses half as much JSON.
// 3: the stamp.
// 4: rules carry `confidence` (derived at parse time when the file does not set it).
const FORMAT = 4;

export interface RulesCache {
  key: string;
  stamp: string;
  files: RuleFileConfig[];
}

interface CacheFile extends RulesCache {
  format: number;
}

export interface RuleSource {
  name: string;
  text: string;
}

export function rulesCacheKey(sources: RuleSource[]): string {
  // Loaded here, not imported: node:crypto takes milliseconds to load, and a run whose
  // stamp matches never hashes.
  const { createHash } = process.getBuiltinModule('node:crypto');
  const h = createHash('sha256');
  h.update(`keywarden-rules-cache:${FORMAT}\0`);
  for (const s of sources) h.update(`${s.name}\0${s.text}\0`);
  return h.digest('hex');
}

/** The rule files' names, sizes and modification times: a stat each, nothing read. */
export function rulesStamp(paths: string[]): string {
  return paths
    .map((p) => {
      const s = statSync(p);
      return `${basename(p)}:${s.size}:${s.mtimeMs}`;
    })
    .join('\n');
}

export function readRulesCache(dir: string): RulesCache | undefined {
  try {
    const cache = JSON.parse(readFileSync(join(dir, 'rules-cache.json'), 'utf8')) as CacheFile;
    if (cache.format !== FORMAT || typeof cache.key !== 'string' || typeof cache.stamp !== 'string' || !Array.isArray(cache.files)) return undefined;
    return { key: cache.key, stamp: cache.stamp, files: cache.files };
  } catch {
    return undefined;
  }
}

/** The rule files as the scanner needs them: without the test-only examples. */
export function withoutExamples(files: RuleFileConfig[]): RuleFileConfig[] {
  return files.map((f) => ({ ...f, rules: f.rules.map(({ examples: _examples, ...rule }) => rule) }));
}

export function writeRulesCache(dir: string, cache: RulesCache): void {
  const target = join(dir, 'rules-cache.json');
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify({ format: FORMAT, ...cache } satisfies CacheFile));
    renameSync(tmp, target);
  } catch {
    // Read-only install or no dist/: the cache is an optimisation only.
  }
}
