// The keyword automaton of the built-in rules, serialized at build time into
// dist/keyword-automaton.bin beside the rules cache (scripts/writeRulesCache.mjs), so a run
// adopts it rather than building it. Read once, and only when a scan first needs the
// automaton: the pre-commit hook's small scans never do, and never read its ~1.8 MB. The
// prefilter refuses a blob built for other keywords (a config that adds or disables rules),
// a truncated one or one of another format, and builds as before.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RULES_CACHE_DIR } from './builtinRuleFiles.js';

export const AUTOMATON_FILE = 'keyword-automaton.bin';

const read = new Map<string, Uint8Array | undefined>();

/** The blob in `dir`, read on first call (undefined when missing or unreadable). */
export function builtinAutomaton(dir = RULES_CACHE_DIR): Uint8Array | undefined {
  if (!read.has(dir)) {
    let blob: Uint8Array | undefined;
    try {
      blob = readFileSync(join(dir, AUTOMATON_FILE));
    } catch {
      blob = undefined;
    }
    read.set(dir, blob);
  }
  return read.get(dir);
}

/** Writes the blob atomically; false when `dir` is not writable (the blob is an optimisation only). */
export function writeAutomatonCache(dir: string, blob: Uint8Array): boolean {
  const target = join(dir, AUTOMATON_FILE);
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, blob);
    renameSync(tmp, target);
    read.delete(dir);
    return true;
  } catch {
    return false;
  }
}
