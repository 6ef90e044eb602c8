// The one allowlist parser: rule files, a config's global allowlists, and a repository's
// `.github/keywarden.yml` all read allowlists here, so they agree on what is valid (every
// regex compiles on RE2) and on what it means (stopwords are matched lower-cased).
import { Checker } from './checker.js';

export interface AllowlistConfig {
  description?: string;
  /** gitleaks: OR (any criterion allows) | AND (every given criterion must allow). */
  condition: 'OR' | 'AND';
  regexTarget: 'secret' | 'match' | 'line';
  regexes: string[];
  stopwords: string[];
  /** Path regexes (gitleaks). */
  paths: string[];
  /** Path minimatch globs (keywarden). */
  globs: string[];
  commits: string[];
}

const ALLOWLIST_KEYS = new Set(['description', 'condition', 'regexTarget', 'regexes', 'stopwords', 'paths', 'globs', 'commits']);

export interface ParseAllowlistOptions {
  /** Named in errors: the rule file or `.github/keywarden.yml`. */
  file: string;
  /** The rule the allowlist belongs to; none for a file's global allowlists. */
  ruleId?: string;
  /** Compile every regex now, so a bad one fails here and not mid-scan (default true). */
  checkRegexes?: boolean;
}

/** Throws RuleLoadError (its `problem` says what to fix) for an allowlist that cannot be used. */
export function parseAllowlist(raw: unknown, where: string, opts: ParseAllowlistOptions): AllowlistConfig {
  const c: Checker = new Checker(opts.file, opts.ruleId);
  const compile = opts.checkRegexes !== false;
  const t = c.table(raw, where);
  c.keys(t, ALLOWLIST_KEYS, where);
  const condition = (c.str(t.condition, 'condition') ?? 'OR').toUpperCase();
  if (condition !== 'OR' && condition !== 'AND') c.fail(`${where}: condition must be "OR" or "AND", not "${condition}"`);
  const regexTarget = c.str(t.regexTarget, 'regexTarget') ?? 'secret';
  if (regexTarget !== 'secret' && regexTarget !== 'match' && regexTarget !== 'line') {
    c.fail(`${where}: regexTarget must be "secret", "match" or "line", not "${regexTarget}"`);
  }
  const regexes = c.strings(t.regexes, 'regexes').map((r) => c.regex(r, `${where} regex '${r}'`, compile));
  const paths = c.strings(t.paths, 'paths').map((r) => c.regex(r, `${where} path '${r}'`, compile));
  return {
    description: c.str(t.description, 'description'),
    condition,
    regexTarget,
    regexes,
    stopwords: c.strings(t.stopwords, 'stopwords').map((s) => s.toLowerCase()),
    paths,
    globs: c.strings(t.globs, 'globs'),
    commits: c.strings(t.commits, 'commits'),
  };
}
