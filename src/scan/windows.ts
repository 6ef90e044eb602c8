// Where a rule's regex needs to run: around the occurrences of its keywords, not over the whole
// fragment. Each keyword occurrence gets the lines holding it plus one line either side,
// capped to 1 KB before and 4 KB after on very long (minified) lines; occurrences on lines a
// window already holds share it, whatever rules they select. Where a cap cuts a line, the
// window edge is a "cut": a match touching a cut may be truncated, so the caller re-runs that
// rule over the whole fragment. Rules whose regex may span many lines or anchors to the
// text's ends never use windows (see CompiledRule.windowable).

export interface ScanWindow {
  start: number;
  end: number;
  cutStart: boolean;
  cutEnd: boolean;
}

const BEFORE_MAX = 1024;
const AFTER_MAX = 4096;
const CONTEXT = 4096;
/** Scanned byte by byte before a native search: most lines are short. */
const SHORT_LINE = 256;

function lastNewline(bytes: Buffer, lo: number, before: number): number {
  const near = Math.max(lo, before - SHORT_LINE);
  for (let i = before - 1; i >= near; i--) if (bytes[i] === 10) return i;
  if (near <= lo) return -1;
  const i = bytes.subarray(lo, near).lastIndexOf(10);
  return i === -1 ? -1 : lo + i;
}

/** The first newline in [from, hi), never searched past hi (minified lines run for megabytes). */
function nextNewline(bytes: Buffer, from: number, hi: number): number {
  const near = Math.min(hi, from + SHORT_LINE);
  for (let i = from; i < near; i++) if (bytes[i] === 10) return i;
  if (near >= hi) return -1;
  const i = bytes.subarray(near, hi).indexOf(10);
  return i === -1 ? -1 : near + i;
}

/** Moves a cut off UTF-8 continuation bytes so windows hold whole characters. */
function boundary(bytes: Uint8Array, i: number, forward: boolean): number {
  if (forward) while (i < bytes.length && (bytes[i] & 0xc0) === 0x80) i++;
  else while (i > 0 && (bytes[i] & 0xc0) === 0x80) i--;
  return i;
}

/**
 * The windows of a fragment's keyword occurrences, in the order they are added. An occurrence
 * that lies inside the current window's lines (all but its last) reuses it.
 */
export class OccurrenceWindows {
  readonly start: number[] = [];
  readonly end: number[] = [];
  readonly cutStart: boolean[] = [];
  readonly cutEnd: boolean[] = [];
  /**
   * The current window holds any later occurrence that starts at or after `first` (where the
   * line of the occurrence it was made for starts) and ends by `reuseUntil`: before its last
   * line, or, on a line cut by the cap, at least half the cap before the cut.
   */
  private first = 0;
  private reuseUntil = -1;
  protected lastStart = 0;

  constructor(protected readonly bytes: Buffer) {}

  /** The index of a window holding the occurrence [start, end) with a line either side. */
  add(start: number, end: number): number {
    const cur = this.start.length - 1;
    if (cur >= 0 && end <= this.reuseUntil && start >= this.first) return cur;
    const bytes = this.bytes;
    const n = bytes.length;
    const lo = Math.max(0, start - BEFORE_MAX);
    const nl1 = lastNewline(bytes, lo, start);
    const nl0 = nl1 < 0 ? -1 : lastNewline(bytes, lo, nl1);
    let ws = 0;
    let cutStart = false;
    if (nl0 >= 0) ws = nl0 + 1;
    else if (lo > 0) {
      ws = boundary(bytes, lo, true);
      cutStart = true;
    }
    this.first = nl1 >= 0 ? nl1 + 1 : lo > 0 ? start : 0;
    const hi = Math.min(n, end + AFTER_MAX);
    const nl2 = nextNewline(bytes, end, hi);
    const nl3 = nl2 < 0 ? -1 : nextNewline(bytes, nl2 + 1, hi);
    let we = n;
    let cutEnd = false;
    if (nl3 >= 0) {
      we = nl3;
      this.reuseUntil = nl2 + 1;
    } else if (hi === n) {
      this.reuseUntil = nl2 >= 0 ? nl2 + 1 : n;
    } else {
      we = boundary(bytes, hi, false);
      cutEnd = true;
      this.reuseUntil = we - AFTER_MAX / 2;
    }
    this.start.push(ws);
    this.end.push(we);
    this.cutStart.push(cutStart);
    this.cutEnd.push(cutEnd);
    return cur + 1;
  }
}

/**
 * Windows for keywords that name a provider rather than spell part of the secret (`twilio`,
 * `portainer`): the secret may sit several lines away, so the window reaches CONTEXT bytes
 * either side (to whole lines where a line ends within the caps), about the reach of the
 * 4 KB chunks the keyword prefilter used to report.
 */
export class ContextWindows extends OccurrenceWindows {
  override add(start: number, end: number): number {
    const cur = this.start.length - 1;
    // A later occurrence shares the window while it still reaches CONTEXT past it (half that on
    // a line cut by the cap: otherwise every occurrence in a minified line costs two searches).
    if (cur >= 0 && start >= this.lastStart && (this.end[cur] === this.bytes.length || end + (this.cutEnd[cur] ? CONTEXT / 2 : CONTEXT) <= this.end[cur])) return cur;
    const bytes = this.bytes;
    const n = bytes.length;
    const from = Math.max(0, start - CONTEXT);
    const to = Math.min(n, end + CONTEXT);
    const nl0 = from === 0 ? -1 : lastNewline(bytes, Math.max(0, from - BEFORE_MAX), from);
    const nl1 = to === n ? n : nextNewline(bytes, to, Math.min(n, to + AFTER_MAX));
    const cutStart = from > 0 && nl0 < 0;
    const cutEnd = nl1 < 0;
    this.lastStart = start;
    this.start.push(from === 0 ? 0 : cutStart ? boundary(bytes, from, true) : nl0 + 1);
    this.end.push(cutEnd ? boundary(bytes, to, false) : nl1);
    this.cutStart.push(cutStart);
    this.cutEnd.push(cutEnd);
    return cur + 1;
  }
}

/**
 * One rule's windows (ids from `lines` below contextBase, from `context` above it, each in the
 * order added) merged where they overlap or nearly touch; undefined when they cover so much
 * of the fragment that one whole run is cheaper.
 */
export function mergeWindows(lines: OccurrenceWindows, context: OccurrenceWindows, ids: number[], contextBase: number, length: number, mergeGap: number): ScanWindow[] | undefined {
  let sorted = true;
  const startOf = (id: number): number => (id >= contextBase ? context.start[id - contextBase] : lines.start[id]);
  for (let i = 1; i < ids.length && sorted; i++) sorted = startOf(ids[i - 1]) <= startOf(ids[i]);
  if (!sorted) ids.sort((a, b) => startOf(a) - startOf(b));
  const out: ScanWindow[] = [];
  let last: ScanWindow | undefined;
  let covered = 0;
  for (const id of ids) {
    const all = id >= contextBase ? context : lines;
    const i = id >= contextBase ? id - contextBase : id;
    const start = all.start[i];
    const end = all.end[i];
    if (last && start <= last.end + mergeGap) {
      covered -= last.end - last.start;
      if (end > last.end) {
        last.end = end;
        last.cutEnd = all.cutEnd[i];
      }
    } else {
      last = { start, end, cutStart: all.cutStart[i], cutEnd: all.cutEnd[i] };
      out.push(last);
    }
    covered += last.end - last.start;
    if (covered * 2 > length) return undefined;
  }
  return out;
}
