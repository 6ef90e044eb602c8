// Build step after tsc: parses the built-in rules once and writes dist/rules-cache.json, so
// the package ships it (npm pack) and no install has to parse ~400 rules of TOML on its first
// commit, nor be able to write into its own install directory.
import { loadBuiltinRuleFiles } from '../dist/config/loadRules.js';
import { readRulesCache } from '../dist/config/rulesCache.js';
import { RULES_CACHE_DIR } from '../dist/config/builtinRuleFiles.js';

loadBuiltinRuleFiles();
if (!readRulesCache(RULES_CACHE_DIR)) {
  console.error(`writeRulesCache: could not write ${RULES_CACHE_DIR}/rules-cache.json`);
  process.exit(1);
}
