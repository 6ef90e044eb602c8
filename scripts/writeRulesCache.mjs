// Build step after tsc: parses the built-in rules once and writes dist/rules-cache.json, so
// the package ships it (npm pack) and no install has to parse ~400 rules of TOML on its first
// commit, nor be able to write into its own install directory. Then the keyword automaton of
// those rules, as a default config runs them, into dist/keyword-automaton.bin: runs adopt it
// rather than build it (src/config/automatonCache.ts).
import { loadBuiltinRuleFiles } from '../dist/config/loadRules.js';
import { readRulesCache } from '../dist/config/rulesCache.js';
import { RULES_CACHE_DIR } from '../dist/config/builtinRuleFiles.js';
import { defaultConfig } from '../dist/config/configFile.js';
import { effectiveRules } from '../dist/config/effectiveRules.js';
import { AUTOMATON_FILE, writeAutomatonCache } from '../dist/config/automatonCache.js';

const files = loadBuiltinRuleFiles();
if (!readRulesCache(RULES_CACHE_DIR)) {
  console.error(`writeRulesCache: could not write ${RULES_CACHE_DIR}/rules-cache.json`);
  process.exit(1);
}
// Built from scratch (no blob offered), with the keyword list the CLI's default config has.
const blob = effectiveRules(files, defaultConfig(), () => undefined).keywords.serialize();
if (!writeAutomatonCache(RULES_CACHE_DIR, blob)) {
  console.error(`writeRulesCache: could not write ${RULES_CACHE_DIR}/${AUTOMATON_FILE}`);
  process.exit(1);
}
