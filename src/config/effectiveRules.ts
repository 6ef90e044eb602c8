// The rules a scan runs: the built-in rules, with the user's config layered on top. A user
// rule with a built-in rule's id replaces it (so a .gitleaks.toml can redefine a rule);
// `[extend] useDefault = false` drops the built-ins altogether.
import type { RuleFileConfig } from '../scan/ruleConfig.js';
import { buildRuleSet, type RuleSet } from '../scan/ruleSet.js';
import type { KeywardenConfig } from './loadConfig.js';
import { builtinAutomaton } from './automatonCache.js';

/**
 * `automaton`: the built-in rules' serialized keyword automaton, adopted if the config left
 * their keywords as they are (see automatonCache.ts).
 */
export function effectiveRules(builtin: RuleFileConfig[], config: KeywardenConfig, automaton: () => Uint8Array | undefined = () => builtinAutomaton()): RuleSet {
  const user = config.rules;
  const own = new Set(user?.rules.map((r) => r.id) ?? []);
  const base: RuleFileConfig[] = !config.useDefault
    ? []
    : own.size === 0
      ? builtin
      : builtin.map((f) => ({ ...f, rules: f.rules.filter((r) => !own.has(r.id)) }));
  return buildRuleSet(user ? [...base, user] : base, { disabledRules: config.disabledRules, automaton });
}
