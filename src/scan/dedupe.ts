// One report per secret. Several rules often match the same text (a catch-all and a
// provider rule); each extra finding is another annotation, another issue, and possibly
// another rotation job for one key, so the scanner keeps one finding per secret.
import type { Codec } from './decode.js';
import type { CompiledRule } from './ruleSet.js';
import type { Finding } from './types.js';

/** A finding that passed every filter, with where its secret sits. */
export interface Candidate {
  hit: {
    rule: CompiledRule;
    secret: string;
    /** Byte span of the secret, or for decoded hits of the encoded text holding it. */
    outerStart: number;
    outerEnd: number;
    decoded?: readonly Codec[];
  };
  lineIndex: number;
  finding: Finding;
}

/** The findings to report, in their original order. */
export function dedupeFindings<T extends Candidate>(kept: T[]): T[] {
  return dedupeGeneric(dropDecodedEchoes(kept));
}

/** Text readable both as-is and decoded (a token inside percent-encoding) is reported once, plainly. */
export function dropDecodedEchoes<T extends Candidate>(kept: T[]): T[] {
  if (!kept.some((k) => k.hit.decoded)) return kept;
  const plain = new Set(kept.filter((k) => !k.hit.decoded).map((k) => `${k.finding.ruleId}\0${k.finding.secretHash}\0${k.lineIndex}`));
  return kept.filter((k) => !k.hit.decoded || !plain.has(`${k.finding.ruleId}\0${k.finding.secretHash}\0${k.lineIndex}`));
}

/**
 * A generic rule's hit is dropped when a specific rule hit the same secret on the same
 * line, or when another generic rule already reported it (one report per secret).
 */
export function dedupeGeneric<T extends Candidate>(kept: T[]): T[] {
  const winners = kept.filter((k) => !k.hit.rule.config.generic);
  if (winners.length === kept.length) return kept;
  const same = (a: T, b: T): boolean =>
    a.lineIndex === b.lineIndex &&
    (a.finding.secretHash === b.finding.secretHash ||
      (a.hit.outerStart < b.hit.outerEnd && b.hit.outerStart < a.hit.outerEnd) ||
      a.hit.secret.includes(b.hit.secret) ||
      b.hit.secret.includes(a.hit.secret));
  for (const k of kept) {
    if (k.hit.rule.config.generic && !winners.some((w) => same(w, k))) winners.push(k);
  }
  const keep = new Set(winners);
  return kept.filter((k) => keep.has(k));
}
