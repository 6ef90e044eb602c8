// Parsed built-in rules cached as JSON in dist/, so the pre-commit hook does not parse
// ~400 rules of TOML on every commit (JSON.parse is ~15x faster). The key is the SHA-256 of
// the rule files' contents, so an edited rule is never served stale. The cache sits with the
// compiled code (same trust); when dist/ is not writable, parsing simply happens each time.
import { createHash } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RuleFileConfig } from '../scan/ruleConfig.js';

// 2: rules are stored without their `examples` (half the file; only the rule test reads
// them, from the TOML), so the pre-commit hook parses half as much JSON.
const FORMAT = 2;

interface CacheFile {
  format: number;
  key: string;
  files: RuleFileConfig[];
}

export function rulesCacheKey(sources: Array<{ name: string; text: string }>): string {
  const h = createHash('sha256');
  h.update(`keywarden-rules-cache:${FORMAT}\0`);
  for (const s of sources) h.update(`${s.name}\0${s.text}\0`);
  return h.digest('hex');
}

export function readRulesCache(dir: string, key: string): RuleFileConfig[] | undefined {
  try {
    const cache = JSON.parse(readFileSync(join(dir, 'rules-cache.json'), 'utf8')) as CacheFile;
    return cache.format === FORMAT && cache.key === key ? cache.files : undefined;
  } catch {
    return undefined;
  }
}

/** The rule files as the scanner needs them: without the test-only examples. */
export function withoutExamples(files: RuleFileConfig[]): RuleFileConfig[] {
  return files.map((f) => ({ ...f, rules: f.rules.map(({ examples: _examples, ...rule }) => rule) }));
}

export function writeRulesCache(dir: string, key: string, files: RuleFileConfig[]): void {
  const target = join(dir, 'rules-cache.json');
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify({ format: FORMAT, key, files } satisfies CacheFile));
    renameSync(tmp, target);
  } catch {
    // Read-only install or no dist/: the cache is an optimisation only.
  }
}
