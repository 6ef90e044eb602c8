// One report per secret. Several rules often match the same text: a catch-all and a
// provider rule, or a carrier format (a connection URL, a netrc entry) and the provider token
// sitting in its password slot. Each extra finding is another annotation, another issue, and
// possibly another rotation job for one key, so the scanner keeps one finding per secret.
import type { Codec } from './decode.js';
import type { CompiledRule } from './ruleSet.js';
import type { Confidence, Finding } from './types.js';
import { CHECKSUM_VALIDATORS } from './validators.js';

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
  return keepMostSpecific(dedupeGeneric(dropDecodedEchoes(dropRepeats(kept))));
}

/** One rule finding the same secret at the same place twice is one hit (hits inside encoded text all carry the encoded stretch's span). */
function dropRepeats<T extends Candidate>(kept: T[]): T[] {
  if (kept.length < 2) return kept;
  const seen = new Set<string>();
  return kept.filter((k) => {
    const key = `${k.finding.ruleId}\0${k.hit.outerStart}\0${k.finding.secretHash}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Text readable both as-is and decoded (a token inside percent-encoding) is reported once, plainly. */
function dropDecodedEchoes<T extends Candidate>(kept: T[]): T[] {
  if (!kept.some((k) => k.hit.decoded)) return kept;
  const plain = new Set(kept.filter((k) => !k.hit.decoded).map((k) => `${k.finding.ruleId}\0${k.finding.secretHash}\0${k.lineIndex}`));
  return kept.filter((k) => !k.hit.decoded || !plain.has(`${k.finding.ruleId}\0${k.finding.secretHash}\0${k.lineIndex}`));
}

const CONFIDENCE_RANK: Record<Confidence, number> = { high: 2, medium: 1, low: 0 };

/**
 * A generic rule's hit is dropped when a specific rule hit the same secret on the same
 * line, or when another generic rule already reported it (one report per secret).
 */
function dedupeGeneric<T extends Candidate>(kept: T[]): T[] {
  const winners = kept.filter((k) => !k.hit.rule.config.generic);
  if (winners.length === kept.length) return kept;
  const same = (a: T, b: T): boolean =>
    a.lineIndex === b.lineIndex &&
    (a.finding.secretHash === b.finding.secretHash ||
      (a.hit.outerStart < b.hit.outerEnd && b.hit.outerStart < a.hit.outerEnd) ||
      a.hit.secret.includes(b.hit.secret) ||
      b.hit.secret.includes(a.hit.secret));
  // The more confident catch-all reports a secret two of them hit (a Kubernetes Secret value,
  // medium, over the low-confidence assignment rule run on its decoded text): a report
  // filtered by --min-confidence keeps it.
  const generics = kept.filter((k) => k.hit.rule.config.generic).sort((a, b) => CONFIDENCE_RANK[b.finding.confidence] - CONFIDENCE_RANK[a.finding.confidence]);
  for (const k of generics) {
    if (!winners.some((w) => same(w, k))) winners.push(k);
  }
  const keep = new Set(winners);
  return kept.filter((k) => keep.has(k));
}

/**
 * When hits of different rules cover the same secret on the same line, only the most
 * specific rule's is kept. "Most specific", compared in this order, first difference wins:
 *  1. not generic (catch-alls always lose);
 *  2. the rule names a `rotator`: rotation depends on which rule reported the key, so the
 *     key service's rules (and GitHub's) always win;
 *  3. the rule has a `validate` checksum: the secret is known to be that provider's token
 *     (a literal check such as password-literal proves no provider, so it does not count);
 *  4. the secret itself carries one of the rule's keywords (a provider prefix such as `HRKU-`
 *     or `pscale_pw_`): the token names its provider, where a carrier rule (`mysql://`,
 *     `machine … password`) only knows that some password sits in that slot;
 *  5. the longer secret: the whole token rather than a part of it (the hash the key
 *     service and the rotation bot look up is the whole token's);
 *  6. rule order (the rule set's index), so the choice never depends on match order.
 * Path-only hits describe a file, not a span, and are left alone.
 */
function keepMostSpecific<T extends Candidate>(kept: T[]): T[] {
  if (kept.length < 2) return kept;
  const byLine = new Map<number, T[]>();
  for (const k of kept) {
    if (k.hit.rule.config.regex === undefined) continue;
    const line = byLine.get(k.lineIndex);
    if (line) line.push(k);
    else byLine.set(k.lineIndex, [k]);
  }
  const dropped = new Set<T>();
  for (const line of byLine.values()) {
    if (line.length < 2 || line.every((k) => k.hit.rule === line[0].hit.rule)) continue;
    const ranked = line.map((k) => ({ k, rank: specificity(k) })).sort((a, b) => compareRanks(b.rank, a.rank));
    const winners: T[] = [];
    for (const { k } of ranked) {
      if (winners.some((w) => w.hit.rule !== k.hit.rule && sameSecret(w, k))) dropped.add(k);
      else winners.push(k);
    }
  }
  return dropped.size === 0 ? kept : kept.filter((k) => !dropped.has(k));
}

/** Higher is more specific; see keepMostSpecific for the order. */
function specificity(k: Candidate): number[] {
  const { config, index } = k.hit.rule;
  const secret = k.hit.secret.toLowerCase();
  return [
    config.generic ? 0 : 1,
    config.rotator ? 1 : 0,
    config.validate !== undefined && CHECKSUM_VALIDATORS.has(config.validate) ? 1 : 0,
    config.keywords.some((kw) => secret.includes(kw)) ? 1 : 0,
    k.hit.secret.length,
    -index,
  ];
}

function compareRanks(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/**
 * Whether two hits on one line are the same secret. Plain hits: their byte spans overlap.
 * A decoded hit's span is the whole encoded stretch, which may hold several secrets, so
 * there the secret text decides: equal, or one inside the other within the same stretch.
 */
function sameSecret(a: Candidate, b: Candidate): boolean {
  if (a.finding.secretHash === b.finding.secretHash) return true;
  const overlap = a.hit.outerStart < b.hit.outerEnd && b.hit.outerStart < a.hit.outerEnd;
  if (!overlap) return false;
  if (!a.hit.decoded && !b.hit.decoded) return true;
  return (
    a.hit.outerStart === b.hit.outerStart &&
    a.hit.outerEnd === b.hit.outerEnd &&
    sameChain(a.hit.decoded, b.hit.decoded) &&
    (a.hit.secret.includes(b.hit.secret) || b.hit.secret.includes(a.hit.secret))
  );
}

function sameChain(a: readonly Codec[] | undefined, b: readonly Codec[] | undefined): boolean {
  return (a?.length ?? 0) === (b?.length ?? 0) && (a ?? []).every((c, i) => c === b?.[i]);
}
