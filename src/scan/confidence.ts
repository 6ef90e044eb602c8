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

/**
 * The literal prefixes a rule's secret opens with, as written (`ghp_`, `AKIA`, `pscale_tkn_`):
 * 4 characters or more, and one of the rule's keywords. A value that opens with one but that
 * the rule did not match is that provider's token of the wrong length or alphabet: a near
 * miss, which the catch-alls leave alone (scanner.ts).
 */
export function secretPrefixes(rule: RuleShape): string[] {
  const head = secretHead(rule);
  if (head === undefined) return [];
  return head
    .split('|')
    .map((p) => p.replace(/[()?*+^$]/g, ''))
    // Four lower-case letters (`prod`, `live`) begin too many words to mark a provider's token.
    .filter((p) => p.length >= 4 && (/[^a-z]/.test(p) || p.length >= 6))
    .filter((p) => rule.keywords.some((k) => p.toLowerCase().startsWith(k) || k.startsWith(p.toLowerCase())));
}

export function defaultConfidence(rule: RuleShape): Confidence {
  if (rule.validate !== undefined && CHECKSUM_VALIDATORS.has(rule.validate)) return 'high';
  // Before `generic`: a catch-all whose secret names its own format (a PEM private key, a JWT)
  // yields to more specific rules, but what it finds is no less a credential.
  if (secretStartsWithKeyword(rule)) return 'high';
  if (rule.generic) return 'low';
  return 'medium';
}
