// How sure a rule is that what it matched is a live credential, so reports can rank and
// policies can filter: `high` for a checksum or a provider prefix of fixed shape, `medium`
// for a value found by the provider's name or a carrier format (a connection URL, a header),
// `low` for the catch-alls. A rule file can set `confidence`; otherwise its shape decides.
import type { Confidence } from './types.js';
import { CHECKSUM_VALIDATORS } from './validators.js';

interface RuleShape {
  regex?: string;
  keywords: string[];
  generic: boolean;
  validate?: string;
  secretGroup?: number;
}

/** Index just after the `(` opening the secret's group: secretGroup, else the first capturing group. */
function secretGroupStart(src: string, wanted: number | undefined): number {
  let n = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '[') {
      // Skip the class: a `(` inside it is a literal.
      for (i++; i < src.length && src[i] !== ']'; i++) if (src[i] === '\\') i++;
      continue;
    }
    if (c !== '(') continue;
    const named = src.startsWith('(?P<', i) || (src.startsWith('(?<', i) && src[i + 3] !== '=' && src[i + 3] !== '!');
    if (src[i + 1] === '?' && !named) continue;
    n++;
    if (wanted === undefined || wanted === n) return named ? src.indexOf('>', i) + 1 : i + 1;
  }
  return wanted === 0 || wanted === undefined ? 0 : -1;
}

/** The regex text that opens the secret, up to the first class or quantified atom: `ghp_`, `(AKIA|ASIA)`. */
function secretHead(rule: RuleShape): string | undefined {
  if (!rule.regex) return undefined;
  const at = secretGroupStart(rule.regex, rule.secretGroup);
  if (at < 0) return undefined;
  return rule.regex
    .slice(at)
    .split(/\[|\\[wWdDsS]|(?<!\\)\.|\{/)[0]
    .replace(/\\b|\(\?[a-zA-Z]*:?|\\(?=[^a-zA-Z])/g, '');
}

/**
 * Whether the secret opens with one of the rule's keywords (`(ghp_[...]`, `((?:AKIA|ASIA)[...]`):
 * the token names its provider. Read from the regex text up to the first character class.
 */
function secretStartsWithKeyword(rule: RuleShape): boolean {
  const head = secretHead(rule)?.toLowerCase();
  return head !== undefined && rule.keywords.some((k) => k.length >= 3 && head.includes(k));
}

const MAX_HEADS = 16;

/**
 * The literal texts the regex can open with from `at`, as far as they are literal: `acme_`,
 * both of `(?:AKIA|ASIA)`, and for `tvly-(?:dev-|prod-)?[...]` all of `tvly-dev-`,
 * `tvly-prod-` and `tvly-`. Stops at a class, a quantifier or a group it cannot read.
 */
function literalHeads(src: string, at: number): string[] {
  let heads = [''];
  let i = at;
  const quantifier = (c: string | undefined) => c === '?' || c === '*' || c === '+' || c === '{';
  while (i < src.length) {
    const c = src[i];
    if (src.startsWith('\\b', i)) {
      i += 2;
      continue;
    }
    if (src.startsWith('(?:', i) || src.startsWith('(?i:', i)) {
      const open = src.indexOf(':', i) + 1;
      const close = src.indexOf(')', open);
      const body = close < 0 ? '' : src.slice(open, close);
      // Only a group of plain alternatives: `(?:dev-|prod-)`.
      if (close < 0 || !/^(?:[A-Za-z0-9_-]|\\[.-])+(?:\|(?:[A-Za-z0-9_-]|\\[.-])+)*$/.test(body) || src.startsWith('(?i:', i)) break;
      const alts = body.split('|').map((a) => a.replace(/\\/g, ''));
      const optional = src[close + 1] === '?';
      if (quantifier(src[close + 1]) && !optional) break;
      const next = heads.flatMap((h) => [...alts.map((a) => h + a), ...(optional ? [h] : [])]);
      if (next.length > MAX_HEADS) break;
      heads = next;
      i = close + 1 + (optional ? 1 : 0);
      continue;
    }
    const cls = /^\[([A-Za-z0-9]{1,4})\]/.exec(src.slice(i));
    if (cls) {
      // A small set of letters (`wl[up]_`) is as good as alternatives.
      const next = heads.flatMap((h) => [...cls[1]].map((ch) => h + ch));
      if (quantifier(src[i + cls[0].length]) || next.length > MAX_HEADS) break;
      heads = next;
      i += cls[0].length;
      continue;
    }
    let ch: string;
    let width = 1;
    if (c === '\\' && /[.\-_/:]/.test(src[i + 1] ?? '')) {
      ch = src[i + 1];
      width = 2;
    } else if (/[A-Za-z0-9_\-:/]/.test(c)) ch = c;
    else break;
    if (quantifier(src[i + width])) break;
    heads = heads.map((h) => h + ch);
    i += width;
  }
  return heads;
}

/** A literal opening that marks a provider's token: 4 characters or more, or 3 with a separator (`re_`, `SG.`). */
function marksProvider(p: string): boolean {
  if (p.length >= 4) return /[^a-z]/.test(p) || p.length >= 6;
  return p.length === 3 && /^[A-Za-z0-9]{2}[_.-]$/.test(p);
}

/**
 * The literal prefixes a rule's secret opens with, as written (`ghp_`, `AKIA`, `pscale_tkn_`,
 * `re_`), that one of the rule's keywords starts. A value that opens with one but that the
 * rule did not match is that provider's token of the wrong length or alphabet: a near miss,
 * which the catch-alls leave alone (scanner.ts). Four lower-case letters (`prod`, `live`)
 * begin too many words to mark a provider's token.
 */
export function secretPrefixes(rule: RuleShape): string[] {
  if (!rule.regex) return [];
  const at = secretGroupStart(rule.regex, rule.secretGroup);
  if (at < 0) return [];
  const heads = literalHeads(rule.regex, at);
  if (heads.some((h) => !marksProvider(h))) return [];
  return heads.filter((p) => rule.keywords.some((k) => p.toLowerCase().startsWith(k) || k.startsWith(p.toLowerCase())));
}

export function defaultConfidence(rule: RuleShape): Confidence {
  if (rule.validate !== undefined && CHECKSUM_VALIDATORS.has(rule.validate)) return 'high';
  // Before `generic`: a catch-all whose secret names its own format (a PEM private key, a JWT)
  // yields to more specific rules, but what it finds is no less a credential.
  if (secretStartsWithKeyword(rule)) return 'high';
  if (rule.generic) return 'low';
  return 'medium';
}
