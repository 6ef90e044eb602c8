// Runs one rule's regex over a fragment's bytes and picks each match's secret: the
// `secretGroup` when set, else the first non-empty capture group, else the whole match.
import type { CompiledRule } from './ruleSet.js';
import { utf8Length } from './relaxBounds.js';

export interface RawHit {
  rule: CompiledRule;
  secret: string;
  match: string;
  /** Byte offsets of the secret in the scanned bytes. */
  start: number;
  end: number;
}

export interface MatchRange {
  from: number;
  to: number;
  /** The range edges are artificial cuts, not line or text boundaries. */
  cutStart?: boolean;
  cutEnd?: boolean;
}

type IndexedMatch = RegExpExecArray & { indices?: Array<[number, number] | undefined> };

/** Whether every bounded run of a relaxed regex's match holds at most its bound's characters. */
function withinBounds(m: IndexedMatch, runs: NonNullable<CompiledRule['relaxed']>['runs']): boolean {
  for (let i = 0; i < runs.length; i++) {
    const run = m[runs[i].group] as unknown as Buffer | undefined;
    if (run !== undefined && run.length > runs[i].max && utf8Length(run) > runs[i].max) return false;
  }
  return true;
}

/**
 * Appends the rule's hits in bytes[range] (default: all of it) to `out`. Returns false, having
 * appended nothing, when a match touches a cut edge of the range: the caller must widen it.
 */
export function matchRule(rule: CompiledRule, bytes: Buffer, out: RawHit[], range?: MatchRange): boolean {
  let re = rule.regex;
  if (!re) return true;
  const relaxed = rule.relaxed;
  /** The original regex's group k is group groups[k] of the match; undefined: the same k. */
  let groups = relaxed?.groups;
  const base = range ? range.from : 0;
  const view = range ? bytes.subarray(range.from, range.to) : bytes;
  const wanted = rule.config.secretGroup;
  const mark = out.length;
  re.lastIndex = 0;
  for (;;) {
    const m = re.exec(view as unknown as string) as IndexedMatch | null;
    if (!m) break;
    if (groups && !withinBounds(m, relaxed!.runs)) {
      // A run longer than its bound: the exact regex decides from this match's start on (no
      // match starts earlier, see relaxBounds.ts). It keeps the view: text that makes one run
      // overlong tends to make the next one overlong too.
      const exact = rule.exactRegex!;
      exact.lastIndex = m.index;
      re = exact;
      groups = undefined;
      continue;
    }
    const whole = m[0] as unknown as Buffer;
    if (whole.length === 0) {
      re.lastIndex++;
      if (re.lastIndex > view.length) break;
      continue;
    }
    if (range && ((range.cutStart && m.index === 0) || (range.cutEnd && m.index + whole.length === view.length))) {
      out.length = mark;
      return false;
    }
    const count = groups ? groups.length : m.length;
    let g = 0;
    if (wanted !== undefined) g = wanted < count ? wanted : -1;
    else {
      for (let k = 1; k < count; k++) {
        const i = groups ? groups[k] : k;
        if (m[i] !== undefined && (m[i] as unknown as Buffer).length > 0) {
          g = k;
          break;
        }
      }
    }
    const span = g >= 0 ? m.indices?.[groups ? groups[g] : g] : undefined;
    if (!span || span[1] <= span[0]) continue;
    out.push({
      rule,
      secret: view.toString('utf8', span[0], span[1]),
      match: whole.toString('utf8'),
      start: base + span[0],
      end: base + span[1],
    });
  }
  return true;
}
