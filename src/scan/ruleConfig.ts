// The rule-file schema: a superset of gitleaks' TOML (so an existing .gitleaks.toml loads),
// plus keywarden's fields (severity, kind, rotator, validate, generic, examples, globs).
// parseRuleFile turns TOML text into plain, serialisable data (it can cross to worker
// threads); compiling it into a scanner is ruleSet.ts's job.
import { parse as parseToml } from 'smol-toml';
import { RuleLoadError } from './errors.js';
import { Checker } from './checker.js';
import { parseAllowlist, type AllowlistConfig } from './parseAllowlist.js';
import { defaultConfidence } from './confidence.js';
import { CONFIDENCES, SEVERITIES, type Confidence, type RuleKind, type Severity } from './types.js';
import { VALIDATORS } from './validators.js';

export type { AllowlistConfig };

export interface RuleExamples {
  positive: string[];
  negative: string[];
  positivePaths: string[];
  negativePaths: string[];
}

export interface RuleConfig {
  id: string;
  description: string;
  regex?: string;
  secretGroup?: number;
  entropy?: number;
  keywords: string[];
  path?: string;
  severity: Severity;
  /** Set in the file, or derived from the rule's shape (defaultConfidence). */
  confidence: Confidence;
  kind: RuleKind;
  rotator?: string;
  validate?: string;
  generic: boolean;
  /** gitleaks: match, but never report (used as a building block by composite rules). */
  skipReport: boolean;
  tags: string[];
  allowlists: AllowlistConfig[];
  examples?: RuleExamples;
  /** File the rule came from, for error messages. */
  file: string;
}

export interface RuleFileConfig {
  file: string;
  title?: string;
  rules: RuleConfig[];
  allowlists: AllowlistConfig[];
  /** gitleaks [extend]: useDefault = true layers this file over the built-in rules. */
  extend?: { useDefault?: boolean; path?: string; url?: string; disabledRules: string[] };
  disabledRules: string[];
  ignorePaths: string[];
  /** keywarden [limits], passed through untouched for the config loader. */
  limits?: Record<string, unknown>;
}

export interface ParseRuleFileOptions {
  /** Built-in rules must carry at least one positive and one negative example. */
  requireExamples?: boolean;
  /** Compile every regex now, so a bad one fails at load time (default true). */
  checkRegexes?: boolean;
}

const TOP_KEYS = new Set(['title', 'description', 'minVersion', 'rules', 'allowlist', 'allowlists', 'extend', 'disabledRules', 'ignorePaths', 'limits']);
const RULE_KEYS = new Set([
  'id', 'description', 'regex', 'secretGroup', 'entropy', 'keywords', 'path', 'tags', 'allowlist', 'allowlists',
  'skipReport', 'required', 'severity', 'confidence', 'kind', 'rotator', 'validate', 'generic', 'examples',
]);
const EXAMPLE_KEYS = new Set(['positive', 'negative', 'positivePaths', 'negativePaths']);
const EXTEND_KEYS = new Set(['useDefault', 'path', 'url', 'disabledRules']);
const ID_PATTERN = /^[a-z0-9][a-z0-9._-]*$/;

type Table = Record<string, unknown>;

/** Accepts both gitleaks forms: the older single `allowlist` table and `[[allowlists]]`. */
function parseAllowlists(c: Checker, t: Table, where: string, compile: boolean): AllowlistConfig[] {
  const out: AllowlistConfig[] = [];
  if (t.allowlist !== undefined) out.push(parseAllowlist(t.allowlist, `${where}allowlist`, { file: c.file, ruleId: c.ruleId, checkRegexes: compile }));
  if (t.allowlists !== undefined) {
    if (!Array.isArray(t.allowlists)) c.fail(`${where}allowlists must be an array of tables ([[...allowlists]])`);
    t.allowlists.forEach((a, i) => out.push(parseAllowlist(a, `${where}allowlists[${i}]`, { file: c.file, ruleId: c.ruleId, checkRegexes: compile })));
  }
  return out;
}

function parseExamples(c: Checker, raw: unknown): RuleExamples {
  const t = c.table(raw, 'examples');
  c.keys(t, EXAMPLE_KEYS, 'examples');
  return {
    positive: c.strings(t.positive, 'examples.positive'),
    negative: c.strings(t.negative, 'examples.negative'),
    positivePaths: c.strings(t.positivePaths, 'examples.positivePaths'),
    negativePaths: c.strings(t.negativePaths, 'examples.negativePaths'),
  };
}

function parseRule(file: string, raw: unknown, index: number, opts: ParseRuleFileOptions): RuleConfig {
  const pre: Checker = new Checker(file);
  const t = pre.table(raw, `rules[${index}]`);
  const id = t.id;
  if (typeof id !== 'string' || id === '') pre.fail(`rules[${index}] has no "id"`);
  const c: Checker = new Checker(file, id);
  if (!ID_PATTERN.test(id)) c.fail('id must match [a-z0-9][a-z0-9._-]*');
  c.keys(t, RULE_KEYS, 'the rule');
  const compile = opts.checkRegexes !== false;
  const description = c.str(t.description, 'description');
  if (!description) c.fail('"description" is required');
  const regex = t.regex === undefined ? undefined : c.regex(c.str(t.regex, 'regex')!, 'regex', compile);
  const path = t.path === undefined ? undefined : c.regex(c.str(t.path, 'path')!, 'path', compile);
  if (regex === undefined && path === undefined) c.fail('needs a "regex", a "path", or both');
  if (regex === '') c.fail('"regex" is empty');

  const severity = (c.str(t.severity, 'severity') ?? 'high') as Severity;
  if (!SEVERITIES.includes(severity)) c.fail(`severity must be one of ${SEVERITIES.join(', ')}, not "${severity}"`);
  const kind = (c.str(t.kind, 'kind') ?? 'secret') as RuleKind;
  if (kind !== 'secret' && kind !== 'public') c.fail(`kind must be "secret" or "public", not "${kind}"`);
  const validate = c.str(t.validate, 'validate');
  if (validate !== undefined && !(validate in VALIDATORS)) {
    c.fail(`unknown validator "${validate}" (known: ${Object.keys(VALIDATORS).join(', ')})`);
  }
  const secretGroup = c.num(t.secretGroup, 'secretGroup');
  if (secretGroup !== undefined && (!Number.isInteger(secretGroup) || secretGroup < 0)) c.fail('secretGroup must be a whole number >= 0');
  const entropy = c.num(t.entropy, 'entropy');
  if (entropy !== undefined && (entropy < 0 || entropy > 8)) c.fail('entropy must be between 0 and 8 bits per character');
  const keywords = c.strings(t.keywords, 'keywords').map((k) => k.toLowerCase());
  if (keywords.some((k) => k === '')) c.fail('keywords must not be empty strings');

  const generic = c.bool(t.generic, 'generic');
  const confidence = (c.str(t.confidence, 'confidence') ?? defaultConfidence({ regex, keywords, generic, validate, secretGroup })) as Confidence;
  if (!CONFIDENCES.includes(confidence)) c.fail(`confidence must be one of ${CONFIDENCES.join(', ')}, not "${confidence}"`);

  const rule: RuleConfig = {
    id,
    description,
    regex,
    secretGroup,
    entropy,
    keywords,
    path,
    severity,
    confidence,
    kind,
    rotator: c.str(t.rotator, 'rotator'),
    validate,
    generic,
    skipReport: c.bool(t.skipReport, 'skipReport'),
    tags: c.strings(t.tags, 'tags'),
    allowlists: parseAllowlists(c, t, '', compile),
    examples: t.examples === undefined ? undefined : parseExamples(c, t.examples),
    file,
  };
  if (opts.requireExamples) {
    const ex = rule.examples;
    const positives = (ex?.positive.length ?? 0) + (ex?.positivePaths.length ?? 0);
    const negatives = (ex?.negative.length ?? 0) + (ex?.negativePaths.length ?? 0);
    if (positives === 0 || negatives === 0) {
      c.fail('needs at least one positive and one negative example ([rules.examples] positive = [...], negative = [...])');
    }
  }
  return rule;
}

/** Parses and validates one rule file. Throws RuleLoadError naming file, rule and problem. */
export function parseRuleFile(toml: string, file: string, opts: ParseRuleFileOptions = {}): RuleFileConfig {
  const c: Checker = new Checker(file);
  let doc: Table;
  try {
    doc = parseToml(toml) as Table;
  } catch (err) {
    const msg = (err as Error).message.split('\n')[0];
    c.fail(`not valid TOML: ${msg}`);
  }
  c.keys(doc, TOP_KEYS, 'the file');
  const rawRules = doc.rules ?? [];
  if (!Array.isArray(rawRules)) c.fail('"rules" must be an array of tables ([[rules]])');
  const rules = rawRules.map((r, i) => parseRule(file, r, i, opts));
  const seen = new Set<string>();
  for (const r of rules) {
    if (seen.has(r.id)) throw new RuleLoadError(file, 'duplicate rule id (ids must be unique)', r.id);
    seen.add(r.id);
  }
  let extend: RuleFileConfig['extend'];
  if (doc.extend !== undefined) {
    const e = c.table(doc.extend, 'extend');
    c.keys(e, EXTEND_KEYS, '[extend]');
    extend = {
      useDefault: e.useDefault === undefined ? undefined : c.bool(e.useDefault, 'extend.useDefault'),
      path: c.str(e.path, 'extend.path'),
      url: c.str(e.url, 'extend.url'),
      disabledRules: c.strings(e.disabledRules, 'extend.disabledRules'),
    };
  }
  return {
    file,
    title: c.str(doc.title, 'title'),
    rules,
    allowlists: parseAllowlists(c, doc, '', opts.checkRegexes !== false),
    extend,
    disabledRules: c.strings(doc.disabledRules, 'disabledRules'),
    ignorePaths: c.strings(doc.ignorePaths, 'ignorePaths'),
    limits: doc.limits === undefined ? undefined : c.table(doc.limits, 'limits'),
  };
}
