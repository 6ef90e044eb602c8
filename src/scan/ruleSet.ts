// Turns parsed rule files into what the scanner runs: one keyword automaton for all
// rules, and per rule its regexes (compiled on first use, so a pre-commit scan that
// never meets a rule's keywords never pays for compiling it).
import type RE2 from 're2';
import { KeywordPrefilter } from './keywordPrefilter.js';
import { CompiledAllowlist } from './allowlist.js';
import { RuleLoadError } from './errors.js';
import { checkRegex, compileRegex, compileTester } from './regex.js';
import { relaxBounds, type RelaxedRegex } from './relaxBounds.js';
import type { AllowlistConfig, RuleConfig, RuleFileConfig } from './ruleConfig.js';
import { secretPrefixes } from './confidence.js';
import { CHECKSUM_VALIDATORS, PLAIN_VALUES, VALIDATORS } from './validators.js';

export class CompiledRule {
  private re?: RE2;
  private exactRe?: RE2;
  /** The regex with wide bounds relaxed (see relaxBounds.ts); null: nothing to relax. */
  private relaxedForm?: RelaxedRegex | null;
  private pathRe?: RE2 | null;
  private lists?: CompiledAllowlist[];
  private window?: boolean;
  private lastPath?: string;
  private lastPathMatched = false;
  readonly validator?: (secret: string) => boolean;
  /** The plain value an encoded secret stands for (see PLAIN_VALUES); undefined: the secret as found. */
  readonly plainValue?: (secret: string) => string | undefined;
  /** A checksum proves the format: the placeholder check is skipped (see placeholder.ts). */
  readonly checksummed: boolean;
  /** Literal prefixes the secret opens with (see secretPrefixes); empty for keyword-context rules. */
  readonly prefixes: string[];

  constructor(readonly config: RuleConfig, readonly index: number) {
    this.validator = config.validate ? VALIDATORS[config.validate] : undefined;
    this.plainValue = config.validate ? PLAIN_VALUES[config.validate] : undefined;
    this.checksummed = config.validate !== undefined && CHECKSUM_VALIDATORS.has(config.validate);
    this.prefixes = secretPrefixes(config);
  }

  get id(): string {
    return this.config.id;
  }

  /**
   * The content regex to run first (global, byte offsets on Buffers): the relaxed form when
   * the rule has one (see `relaxed`), else the exact regex. Undefined for path-only rules.
   */
  get regex(): RE2 | undefined {
    if (this.config.regex === undefined) return undefined;
    if (!this.re) {
      const relaxed = this.relaxed;
      if (relaxed) {
        try {
          this.re = compileRegex(relaxed.source);
        } catch {
          // A reading of the source that RE2 disagrees with: run the exact regex only.
          this.relaxedForm = null;
        }
      }
      this.re ??= this.exactRegex;
    }
    return this.re;
  }

  /** The rule's regex as written, compiled on first use: the relaxed form's fallback. */
  get exactRegex(): RE2 | undefined {
    if (this.config.regex === undefined) return undefined;
    if (!this.exactRe) {
      try {
        this.exactRe = compileRegex(this.config.regex);
      } catch {
        throw new RuleLoadError(this.config.file, `regex does not compile: ${checkRegex(this.config.regex)}`, this.config.id);
      }
    }
    return this.exactRe;
  }

  /** What `regex` runs when it is the relaxed form: its groups and bounded runs; else undefined. */
  get relaxed(): RelaxedRegex | undefined {
    if (this.relaxedForm === undefined) this.relaxedForm = (this.config.regex !== undefined && relaxBounds(this.config.regex)) || null;
    return this.relaxedForm ?? undefined;
  }

  /**
   * Whether the regex can run on windows around keywords: not when it may span many lines
   * ((?s), \n, classes holding \s) or anchors to the text's start or end (^, $, \A, \z
   * without (?m)). A heuristic on the source; wrong only towards running the whole fragment.
   */
  get windowable(): boolean {
    if (this.window === undefined) {
      const src = this.config.regex ?? '';
      // Escapes other than \n \r \s \A \z are neutralised, then character classes judged.
      const plain = src.replace(/\\./g, (e) => (['\\n', '\\r', '\\s', '\\A', '\\z'].includes(e) ? e : '__'));
      const multiline = /\(\?[a-zA-Z]*s/.test(src) || /\[(?!\^)[^\]]*\\[nrs]/.test(plain) || /\\[nr]/.test(plain.replace(/\[\^[^\]]*\]/g, '_'));
      // Anchors only count outside character classes, and not as `(?:^|[^x])` / `(?:[^x]|$)`
      // (the text's end or a separator): windows end at line breaks, which are separators.
      const outsideClasses = plain
        .replace(/\[\^?\]?[^\]]*\]/g, '_')
        .replace(/\((?:\?:)?\^\|/g, '(')
        .replace(/\|\$\)/g, ')');
      const anchored = !/\(\?[a-zA-Z]*m/.test(src) && /\^|\$|\\A|\\z/.test(outsideClasses);
      this.window = !multiline && !anchored;
    }
    return this.window;
  }

  pathMatches(path: string): boolean {
    if (this.config.path === undefined) return true;
    // Decoded stretches of one fragment ask again for the same path.
    if (path === this.lastPath) return this.lastPathMatched;
    if (this.pathRe === undefined) this.pathRe = compileTester(this.config.path);
    this.lastPath = path;
    this.lastPathMatched = this.pathRe!.test(path);
    return this.lastPathMatched;
  }

  get allowlists(): CompiledAllowlist[] {
    if (!this.lists) this.lists = this.config.allowlists.map((a) => new CompiledAllowlist(a));
    return this.lists;
  }
}

export interface RuleSet {
  rules: CompiledRule[];
  /** Global allowlists (top-level [allowlist] / [[allowlists]] of every file). */
  allowlists: CompiledAllowlist[];
  /** Prefilter over every rule's keywords. */
  keywords: KeywordPrefilter;
  /** keywordRules[k] = indexes of the rules that list keyword k. */
  keywordRules: number[][];
  /** ruleKeywords[r] = ids of rule r's keywords. */
  ruleKeywords: number[][];
  /** Rules that run on every fragment (no keywords). */
  alwaysRun: number[];
  /**
   * Provider prefixes the specific rules own (`ghp_`, `AKIA`, `pscale_tkn_`): a keyword catch-all
   * does not report a value that opens with one, since the provider's rule would have, had the
   * value been valid: it is that provider's token of the wrong length or alphabet (a near miss).
   */
  ownedPrefixes: string[];
  /**
   * The provider names keyword rules look for in an assignment (`twitch`, `okta`, `hasura`): a
   * low-confidence catch-all does not report a value on a line naming one. The provider's rule
   * knows that token's shape and did not match it: a near miss, not an unknown secret.
   */
  providerWords?: RegExp;
  /**
   * The providers whose tokens carry a prefix (`clickup`, `figma`): a catch-all does not report
   * a prefix-shaped value (`pk_…`, `account-…`) on a line naming one, since that provider's
   * rule knows its prefixes and did not match it. An unprefixed value there may be the
   * provider's legacy token (a GitLab token from before `glpat-`), and is still reported.
   */
  prefixedProviderWords?: RegExp;
  /** The files the set was built from (plain data: it can be sent to worker threads). */
  files: RuleFileConfig[];
  disabledRules: string[];
}

/**
 * Words that name a carrier or a kind of secret rather than a provider: a catch-all must still
 * report `clientSecret = "…"` or a password on a `MYSQL_…` line, where no provider rule applies.
 */
const NOT_PROVIDERS = new Set([
  'authorization', 'clientsecret', 'clienttoken', 'consumerkey', 'consumersecret', 'secretaccesskey', 'sessiontoken',
  'storage', 'machine', 'privatekey', 'wallet', 'deployer', 'developertoken', 'writekey', 'routingkey', 'accountkey',
  'sharedaccesskey', 'sharedaccesssignature', 'servicerole', 'containerregistry', 'akia', 'asia', 'dapi', 'ldap', 'smtp',
  'redis', 'mysql', 'mariadb', 'postgres', 'pgsql', 'postgis', 'mongodb', 'amqp', 'mssql', 'sqlserver', 'redshift',
  'cockroachdb', 'timescaledb', 'kafka', 'sasl', 'oracle', 'atlas', 'azure', 'vault',
]);

/** First parts of compound keywords that name a kind of secret, not a provider (client_secret, api_key). */
const GENERIC_PARTS = /^(?:client|secret|api|access|private|public|auth|app|service|account|user|admin|master|session|signing|webhook|shared|consumer|oauth|refresh|bot|personal|deploy|read|write|bearer|basic|db|database|server|project|org|team|live|test|prod|dev|sandbox|license|encryption|root|global|default|integration|partner|merchant|customer|management)$/;

/**
 * The pattern a keyword contributes to the provider words, if it names a provider: a word
 * (`tailscale`), a word with a trailing separator (`ably_` -> ably), or a compound whose first
 * part is not a kind of secret (`otx_api`, `ansible_galaxy`, any separator or none).
 */
function providerWord(k: string): string | undefined {
  const core = k.replace(/[_.-]+$/, '');
  if (/^[a-z][a-z0-9]{3,}$/.test(core)) return NOT_PROVIDERS.has(core) || /^(.)\1+$/.test(core) ? undefined : core;
  const parts = /^([a-z][a-z0-9]{2,})[_.-]([a-z0-9]{2,})$/.exec(core);
  if (!parts || GENERIC_PARTS.test(parts[1]) || NOT_PROVIDERS.has(parts[1] + parts[2])) return undefined;
  return `${parts[1]}[_.-]?${parts[2]}`;
}

function wordsPattern(words: Set<string>): RegExp | undefined {
  return words.size === 0 ? undefined : new RegExp([...words].sort((a, b) => b.length - a.length).join('|'), 'i');
}

function providerWordsOf(rules: CompiledRule[]): RegExp | undefined {
  const words = new Set<string>();
  for (const r of rules) {
    if (r.config.generic || r.prefixes.length > 0 || r.config.regex === undefined) continue;
    for (const k of r.config.keywords) {
      const word = providerWord(k);
      if (word) words.add(word);
    }
  }
  return wordsPattern(words);
}

/**
 * The providers that prefixed rules name in their ids (`clickup-personal-token` -> clickup):
 * five letters or more, since a shorter word hides inside others (`expo` in `export`).
 */
function prefixedProviderWordsOf(rules: CompiledRule[]): RegExp | undefined {
  const words = new Set<string>();
  for (const r of rules) {
    if (r.config.generic || r.prefixes.length === 0) continue;
    const name = r.config.id.split('-')[0];
    if (name.length >= 5 && !GENERIC_PARTS.test(name) && providerWord(name) === name) words.add(name);
  }
  return wordsPattern(words);
}

/**
 * The specific rules' prefixes, less the short ones that open other providers' prefixes too:
 * `pk_` is ClickUp's, but also the start of Stripe's `pk_live_` and Courier's `pk_prod_`, so a
 * `pk_` value no rule matched may be any of several providers' keys, not ClickUp's near miss.
 */
function ownedPrefixesOf(rules: CompiledRule[]): string[] {
  const all = [...new Set(rules.filter((r) => !r.config.generic).flatMap((r) => r.prefixes))];
  return all.filter((p) => p.length > 3 || !all.some((q) => q !== p && q.startsWith(p)));
}

export interface BuildRuleSetOptions {
  disabledRules?: string[];
  /**
   * A serialized keyword automaton (KeywordPrefilter.serialize) to adopt instead of building
   * one, asked for only when the automaton is first needed; refused if built for other keywords.
   */
  automaton?: () => Uint8Array | undefined;
}

/** Merges rule files; a later file's rule with the same id is a duplicate error. */
export function buildRuleSet(files: RuleFileConfig[], opts: BuildRuleSetOptions = {}): RuleSet {
  const disabled = new Set([
    ...(opts.disabledRules ?? []),
    ...files.flatMap((f) => [...f.disabledRules, ...(f.extend?.disabledRules ?? [])]),
  ]);
  const seen = new Map<string, string>();
  const configs: RuleConfig[] = [];
  for (const f of files) {
    for (const r of f.rules) {
      const first = seen.get(r.id);
      if (first !== undefined) throw new RuleLoadError(f.file, `duplicate rule id (already defined in ${first})`, r.id);
      seen.set(r.id, f.file);
      if (!disabled.has(r.id)) configs.push(r);
    }
  }
  const rules = configs.map((c, i) => new CompiledRule(c, i));
  const keywordIds = new Map<string, number>();
  const keywordRules: number[][] = [];
  const alwaysRun: number[] = [];
  const ruleKeywords: number[][] = rules.map(() => []);
  for (const rule of rules) {
    if (rule.config.keywords.length === 0) {
      if (rule.config.regex !== undefined) alwaysRun.push(rule.index);
      continue;
    }
    for (const kw of new Set(rule.config.keywords)) {
      let id = keywordIds.get(kw);
      if (id === undefined) {
        id = keywordRules.length;
        keywordIds.set(kw, id);
        keywordRules.push([]);
      }
      keywordRules[id].push(rule.index);
      ruleKeywords[rule.index].push(id);
    }
  }
  const globalLists: AllowlistConfig[] = files.flatMap((f) => f.allowlists);
  const keywords = new KeywordPrefilter([...keywordIds.keys()]);
  keywords.prebuilt = opts.automaton;
  return {
    rules,
    allowlists: globalLists.map((a) => new CompiledAllowlist(a)),
    keywords,
    keywordRules,
    ruleKeywords,
    alwaysRun,
    ownedPrefixes: ownedPrefixesOf(rules),
    providerWords: providerWordsOf(rules),
    prefixedProviderWords: prefixedProviderWordsOf(rules),
    files,
    disabledRules: [...(opts.disabledRules ?? [])],
  };
}
