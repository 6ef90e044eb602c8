// Where a rule's regex needs to run: around the spans where its keywords occur (the
// prefilter's chunks), not over the whole fragment. A window is the span's lines plus one line
// either side, capped to 1 KB before and 4 KB after the span on very long (minified) lines. Where a cap cuts a line, the
// window edge is a "cut": a match touching a cut may be truncated, so the caller re-runs
// that rule over the whole fragment. Rules whose regex may span many lines or anchors to the
// text's ends never use windows (see CompiledRule.windowable).

export interface ScanWindow {
  start: number;
  end: number;
  cutStart: boolean;
  cutEnd: boolean;
}

const BEFORE_MAX = 1024;
const AFTER_MAX = 4096;

function lastNewline(bytes: Uint8Array, lo: number, before: number): number {
  for (let i = before - 1; i >= lo; i--) if (bytes[i] === 10) return i;
  return -1;
}

function nextNewline(bytes: Buffer, from: number, hi: number): number {
  if (from >= hi) return -1;
  const i = bytes.indexOf(10, from);
  return i !== -1 && i < hi ? i : -1;
}

/** Moves a cut off UTF-8 continuation bytes so windows hold whole characters. */
function boundary(bytes: Uint8Array, i: number, forward: boolean): number {
  if (forward) while (i < bytes.length && (bytes[i] & 0xc0) === 0x80) i++;
  else while (i > 0 && (bytes[i] & 0xc0) === 0x80) i--;
  return i;
}

function windowAt(bytes: Buffer, start: number, end: number): ScanWindow {
  const n = bytes.length;
  const lo = Math.max(0, start - BEFORE_MAX);
  const hi = Math.min(n, end + AFTER_MAX);
  let ws: number;
  let cutStart = false;
  const nl1 = lastNewline(bytes, lo, start);
  const nl0 = nl1 < 0 ? -1 : lastNewline(bytes, lo, nl1);
  if (nl0 >= 0) ws = nl0 + 1;
  else if (lo === 0) ws = 0;
  else {
    ws = boundary(bytes, lo, true);
    cutStart = true;
  }
  let we: number;
  let cutEnd = false;
  const nl2 = nextNewline(bytes, end, hi);
  const nl3 = nl2 < 0 ? -1 : nextNewline(bytes, nl2 + 1, hi);
  if (nl3 >= 0) we = nl3;
  else if (hi === n) we = n;
  else {
    we = boundary(bytes, hi, false);
    cutEnd = true;
  }
  return { start: ws, end: we, cutStart, cutEnd };
}

/**
 * Merged windows around spans holding keywords ([start, length] pairs, any order);
 * undefined when they would cover so much that one whole run is cheaper.
 */
export function windowsAround(bytes: Buffer, hits: Array<[start: number, length: number]>): ScanWindow[] | undefined {
  hits.sort((a, b) => a[0] - b[0]);
  const out: ScanWindow[] = [];
  let covered = 0;
  for (const [start, length] of hits) {
    const w = windowAt(bytes, start, start + length);
    const last = out[out.length - 1];
    if (last && w.start <= last.end) {
      if (w.end > last.end) {
        covered += w.end - last.end;
        last.end = w.end;
        last.cutEnd = w.cutEnd;
      }
    } else {
      out.push(w);
      covered += w.end - w.start;
    }
    if (covered * 2 > bytes.length) return undefined;
  }
  return out;
}
