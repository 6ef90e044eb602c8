// Which rules run on a stretch of bytes, and where: one keyword pass finds every occurrence of
// every keyword; each rule whose keywords occur then runs its regex on the lines around them
// (windows.ts), or once over the whole stretch when that is as cheap or the regex needs it.
// An occurrence counts for a rule only where the rule's match could hold it there
// (occurrenceGuard.ts): `eaa` inside a base64 run selects no facebook rule.
import { matchRule, type RawHit } from './matchRule.js';
import type { KeywordHits } from './keywordPrefilter.js';
import { guardFor, passes, type OccurrenceGuard } from './occurrenceGuard.js';
import type { RuleSet } from './ruleSet.js';
import { ContextWindows, mergeWindows, OccurrenceWindows } from './windows.js';

/** Below this, one regex run over the whole fragment is as cheap as windows. */
export const WINDOW_MIN_BYTES = 4 * 1024;
/**
 * A rule's windows closer than this run as one: a regex call costs about what running it over a
 * few hundred bytes does (re2 on node_modules: ~0.5 us a call, ~2 ns a byte).
 */
const MERGE_GAP = 256;
const NONE = -1;
/** Window ids from here on are context windows' (ContextWindows), below are occurrence windows'. */
const CONTEXT_IDS = 1 << 30;
/** The chunk length of the RE2.Set prefilter this one replaced: see firstMet. */
const ORDER_CHUNK = 4096;

export class RuleRuns {
  /** Per rule: the windows its keywords selected in this run (reused). */
  private readonly windows: number[][];
  /** Per rule: 0 not selected, 1 on windows, 2 over everything. */
  private readonly mode: Uint8Array;
  /** Per selected rule: when its keywords were first met (see firstMet). */
  private readonly met: Float64Array;
  private readonly keywordSeen: Uint32Array;
  private generation = 0;
  /** Per prefilter state ending keywords (endingIndex): the rules they select, built on first use. */
  private stateRules: Array<Int32Array | undefined> = [];
  /** Per prefilter state ending keywords, aligned with stateRules: the check its occurrences must pass for each rule (see occurrenceGuard.ts). */
  private stateGuards: Array<Array<OccurrenceGuard | undefined> | undefined> = [];
  private stateSeen = new Uint32Array(0);
  /** Per rule, per keyword it lists: the guard (null: none), derived on first use. */
  private readonly guards = new Map<number, OccurrenceGuard | null>();

  constructor(private readonly rules: RuleSet) {
    this.windows = rules.rules.map(() => []);
    this.mode = new Uint8Array(rules.rules.length);
    this.met = new Float64Array(rules.rules.length);
    this.keywordSeen = new Uint32Array(rules.keywordRules.length);
  }

  /** Runs every rule the keywords in `bytes` select and appends their hits to `out`. */
  run(bytes: Buffer, path: string, out: RawHit[]): void {
    const { keywords, alwaysRun, rules } = this.rules;
    const { windows, mode } = this;
    const hits = keywords.scan(bytes, bytes.length > WINDOW_MIN_BYTES);
    if (hits.count > 0 && this.stateSeen.length === 0) {
      // The prefilter's automaton exists now (small fragments may be answered without it).
      this.stateRules = new Array<Int32Array | undefined>(keywords.endingStates);
      this.stateGuards = new Array<Array<OccurrenceGuard | undefined> | undefined>(keywords.endingStates);
      this.stateSeen = new Uint32Array(keywords.endingStates);
    }
    const selected: number[] = [];
    for (const r of alwaysRun) {
      if (mode[r] === 0) selected.push(r);
      mode[r] = 2;
    }
    const occurrences = bytes.length > WINDOW_MIN_BYTES ? new OccurrenceWindows(bytes) : undefined;
    const contexts = occurrences ? new ContextWindows(bytes) : undefined;
    let lastState = NONE;
    for (let i = 0; i < hits.count; i++) {
      const state = hits.states[i];
      if (!occurrences && state === lastState) continue;
      const selects = this.rulesAt(state);
      const guards = this.stateGuards[keywords.endingIndex(state)];
      // A state whose occurrences are checked may pass where the last one failed.
      lastState = guards ? NONE : state;
      let w = NONE;
      let c = NONE;
      for (let k = 0; k < selects.length; k++) {
        const r = selects[k] >> 1;
        // Already run over the whole fragment: no check or window can add to that.
        if (mode[r] === 2) continue;
        const guard = guards?.[k];
        if (guard && !passes(guard, bytes, hits.ends[i] + 1 - guard.keywordLength)) continue;
        if (mode[r] === 0) {
          selected.push(r);
          this.met[r] = Infinity;
        }
        if (!occurrences || !rules[r].windowable) {
          mode[r] = 2;
          continue;
        }
        mode[r] = 1;
        const start = hits.ends[i] + 1 - keywords.lengthAt(state);
        // Context windows are numbered after the occurrence windows' (see mergeWindows).
        let id: number;
        if ((selects[k] & 1) === 0) id = w === NONE ? (w = occurrences!.add(start, hits.ends[i] + 1)) : w;
        else id = CONTEXT_IDS + (c === NONE ? (c = contexts!.add(start, hits.ends[i] + 1)) : c);
        const ws = windows[r];
        if (ws.length === 0 || ws[ws.length - 1] !== id) ws.push(id);
      }
    }
    for (const k of hits.found) {
      for (const r of this.rules.keywordRules[k]) {
        if (mode[r] === 0) {
          selected.push(r);
          this.met[r] = Infinity;
        }
        mode[r] = 2;
      }
    }
    for (const state of hits.unplaced) {
      for (const rc of this.rulesAt(state)) {
        const r = rc >> 1;
        if (mode[r] === 0) {
          selected.push(r);
          this.met[r] = Infinity;
        }
        mode[r] = 2;
      }
    }
    this.order(hits, selected);
    for (const r of selected) {
      const rule = rules[r];
      const whole = mode[r] === 2;
      mode[r] = 0;
      const ids = windows[r];
      const ranges = whole || !occurrences || (rule.config.path !== undefined && !rule.pathMatches(path)) ? undefined : mergeWindows(occurrences, contexts!, ids, CONTEXT_IDS, bytes.length, MERGE_GAP);
      ids.length = 0;
      if (rule.config.path !== undefined && !rule.pathMatches(path)) continue;
      if (!ranges) {
        matchRule(rule, bytes, out);
        continue;
      }
      const mark = out.length;
      for (const w of ranges) {
        if (!matchRule(rule, bytes, out, { from: w.start, to: w.end, cutStart: w.cutStart, cutEnd: w.cutEnd })) {
          out.length = mark;
          matchRule(rule, bytes, out);
          break;
        }
      }
    }
  }

  /**
   * Sorts the selected rules into the order their keywords are met: by the first 4 KB chunk
   * holding one (as the RE2.Set prefilter this one replaced read them), then by the lowest id
   * of their keywords in that chunk, then rule order. The order matters where two equally
   * confident catch-alls report one secret (dedupe.ts keeps the first); keeping the old one
   * keeps every report as it was.
   */
  private order(hits: KeywordHits, selected: number[]): void {
    if (selected.length < 2) return;
    const { keywords, keywordRules } = this.rules;
    const met = this.met;
    const overlap = keywords.longest - 1;
    // A keyword's first occurrence decides its place: later ones are skipped.
    const stamp = ++this.generation;
    for (let i = 0; i < hits.count; i++) {
      const e = keywords.endingIndex(hits.states[i]);
      if (this.stateSeen[e] === stamp) continue;
      this.stateSeen[e] = stamp;
      const end = hits.ends[i] + 1;
      for (const k of keywords.keywordsAt(hits.states[i])) {
        if (this.keywordSeen[k] === stamp) continue;
        this.keywordSeen[k] = stamp;
        const start = end - keywords.lengths[k];
        let chunk = Math.floor(start / ORDER_CHUNK);
        if (chunk > 0 && end <= chunk * ORDER_CHUNK + overlap) chunk--;
        const key = chunk * 0x1000000 + k;
        for (const r of keywordRules[k]) if (key < met[r]) met[r] = key;
      }
    }
    // Keywords found without places are in a small fragment: its first chunk.
    for (const k of hits.found) for (const r of keywordRules[k]) if (k < met[r]) met[r] = k;
    selected.sort((a, b) => met[a] - met[b] || a - b);
  }

  /** The rules a state's keywords select, as rule * 2 + 1 where all of them are context for the rule (see spellsKeyword). */
  private rulesAt(state: number): Int32Array {
    const e = this.rules.keywords.endingIndex(state);
    let rs = this.stateRules[e];
    if (!rs) {
      const { keywords, keywordRules, rules } = this.rules;
      const spelled = new Map<number, boolean>();
      const byRule = new Map<number, number[]>();
      for (const k of keywords.keywordsAt(state)) {
        for (const r of keywordRules[k]) {
          spelled.set(r, spelled.get(r) === true || spellsKeyword(rules[r].config.regex ?? '', keywords.keywords[k]));
          byRule.set(r, [...(byRule.get(r) ?? []), k]);
        }
      }
      const order = [...spelled.keys()].sort((a, b) => a - b);
      rs = Int32Array.from(order.map((r) => r * 2 + (spelled.get(r) ? 0 : 1)));
      // Two keywords of one rule ending here (`pat` and ` pat`): no check, either may be the start.
      const guards = order.map((r) => (byRule.get(r)!.length === 1 ? this.guardOf(r, byRule.get(r)![0]) : undefined));
      this.stateRules[e] = rs;
      this.stateGuards[e] = guards.some((g) => g !== undefined) ? guards : undefined;
    }
    return rs;
  }

  private guardOf(rule: number, keyword: number): OccurrenceGuard | undefined {
    const key = rule * this.rules.keywordRules.length + keyword;
    let g = this.guards.get(key);
    if (g === undefined) {
      const { regex, keywords } = this.rules.rules[rule].config;
      g = (regex === undefined ? undefined : guardFor(regex, this.rules.keywords.keywords[keyword], keywords)) ?? null;
      this.guards.set(key, g);
    }
    return g ?? undefined;
  }
}

/**
 * Whether a rule's regex spells the keyword (its letters and digits, as a literal, any case), so
 * that a match holds the keyword or sits beside it: `ghp_`, `://`, `password`, ` pat` for
 * `pat[A-Za-z0-9]{14}`. A keyword it does not spell (a provider's name, `twilio` for
 * `AC[0-9a-f]{32}`) is context: the secret may sit lines away. Wrong only towards context,
 * whose windows are wider.
 */
export function spellsKeyword(regex: string, keyword: string): boolean {
  const core = keyword.toLowerCase().replace(/^[^a-z0-9]+|[^a-z0-9]+$/g, '');
  const literal = regex.toLowerCase().replace(/\\([^a-z0-9])/g, '$1');
  return core === '' ? literal.includes(keyword.toLowerCase()) : literal.includes(core);
}
