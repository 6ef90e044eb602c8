// What happens to a rule's hits after matching: small named filters, in this order. The
// order is the point: suppression (.keywardenignore, --baseline) runs after dedupe, on the
// one finding left per secret, so suppressing a secret cannot bring it back as the
// catch-all hit that the dedupe had dropped in favour of the finding now suppressed.
import type { AllowCandidate, CompiledAllowlist } from './allowlist.js';
import { dedupeFindings, type Candidate } from './dedupe.js';
import type { Suppressions } from './suppression.js';

export interface FilterCandidate extends Candidate {
  /** What allowlists look at: path, commit, secret, match and (lazily) the line. */
  allow: AllowCandidate;
}

export interface FilterContext {
  /** 0-based indexes of the lines that carry keywarden:allow or gitleaks:allow. */
  inlineIgnoredLines: ReadonlySet<number>;
  /** The global allowlists; each rule's own come with its hits. */
  allowlists: readonly CompiledAllowlist[];
  suppressions: Suppressions;
}

type FindingFilter = <T extends FilterCandidate>(candidates: T[], ctx: FilterContext) => T[];

export const FINDING_FILTERS: ReadonlyArray<{ name: string; filter: FindingFilter }> = [
  { name: 'inline-ignore', filter: dropInlineIgnored },
  { name: 'allowlist', filter: dropAllowlisted },
  { name: 'dedupe', filter: (candidates) => dedupeFindings(candidates) },
  { name: 'suppression', filter: dropSuppressed },
];

export function filterFindings<T extends FilterCandidate>(candidates: T[], ctx: FilterContext): T[] {
  let kept = candidates;
  for (const { filter } of FINDING_FILTERS) {
    if (kept.length === 0) break;
    kept = filter(kept, ctx);
  }
  return kept;
}

/** A line holding `keywarden:allow` yields nothing. Path-only hits describe a file, not a line. */
function dropInlineIgnored<T extends FilterCandidate>(candidates: T[], ctx: FilterContext): T[] {
  if (ctx.inlineIgnoredLines.size === 0) return candidates;
  return candidates.filter((c) => c.hit.rule.config.regex === undefined || !ctx.inlineIgnoredLines.has(c.lineIndex));
}

function dropAllowlisted<T extends FilterCandidate>(candidates: T[], ctx: FilterContext): T[] {
  return candidates.filter((c) => !c.hit.rule.allowlists.some((a) => a.allows(c.allow)) && !ctx.allowlists.some((a) => a.allows(c.allow)));
}

/** Per secret (path + hash, + commit when the entry names one), whatever rule reports it: see suppression.ts. */
function dropSuppressed<T extends FilterCandidate>(candidates: T[], ctx: FilterContext): T[] {
  if (ctx.suppressions.size === 0) return candidates;
  return candidates.filter((c) => !ctx.suppressions.suppresses(c.finding));
}
