// RE2 compiles a bounded repetition `x{0,30}` into 30 nested copies of `x`, so a rule written
// the usual way (`[\w.\->]{0,30}key[\w.\->]{0,20}…[\w.$]{1,80}…{20,1000}`) costs 0.5-7 ms to
// compile, and a scan that meets 300 rules' keywords spends more time compiling than matching.
// `x*` compiles to one loop. relaxBounds rewrites each wide bound `x{m,n}` on a one-character
// atom as a captured `(x{m,})`: the scanner runs that, checks each captured run holds at most n
// characters, and only when one holds more runs the rule's exact regex (see matchRule.ts).
//
// That is exact, not approximate. Every path through the exact regex is a path through the
// relaxed one, explored in the same order (greedy tries n, n-1, …; lazy 0, 1, …), so when the
// relaxed regex's first match at its leftmost start keeps every run within bounds, the exact
// regex finds that very match there, and none earlier. Runs inside a group repeated more than
// once are not relaxed: a capture there would only hold the last iteration.

import { quantifierAt } from './regexSyntax.js';

/** Bounds narrower than this stay: the copies cost less than a capture on every match. */
const MIN_SPAN = 8;

export interface RelaxedRegex {
  /** The relaxed source: wide bounds as captured open-ended runs. */
  source: string;
  /** The original regex's capture groups in the relaxed one: groups[k] is group k's number there (groups[0] = 0). */
  groups: number[];
  /** The added groups' numbers in the relaxed regex, with the most characters each may hold. */
  runs: Array<{ group: number; max: number }>;
}

interface Atom {
  /** Source offsets of the atom. */
  start: number;
  end: number;
  /** Consumes exactly one character (a literal, a class, `.`, a character escape). */
  single: boolean;
  /** For a group's closing paren: the offset of its opening paren. */
  groupStart?: number;
}

interface Candidate {
  atomStart: number;
  atomEnd: number;
  min: number;
  max: number;
  /** Source offsets of the quantifier, lazy `?` included. */
  quantEnd: number;
  lazy: boolean;
}

const ESCAPE_ASSERTIONS = new Set(['b', 'B', 'A', 'z']);

/** End offset of the escape starting at src[i] === '\\'. */
function escapeEnd(src: string, i: number): number {
  const c = src[i + 1];
  if ((c === 'p' || c === 'P' || c === 'x') && src[i + 2] === '{') {
    const close = src.indexOf('}', i + 3);
    return close < 0 ? src.length : close + 1;
  }
  if (c === 'p' || c === 'P') return i + 3;
  if (c === 'x') return i + 4;
  if (c >= '0' && c <= '7') {
    let j = i + 2;
    while (j < i + 4 && src[j] >= '0' && src[j] <= '7') j++;
    return j;
  }
  return i + 2;
}

/** End offset of the character class starting at src[i] === '['. */
function classEnd(src: string, i: number): number {
  let j = i + 1;
  if (src[j] === '^') j++;
  if (src[j] === ']') j++;
  while (j < src.length && src[j] !== ']') {
    if (src[j] === '\\') j = escapeEnd(src, j);
    else if (src.startsWith('[:', j)) {
      const close = src.indexOf(':]', j + 2);
      j = close < 0 ? j + 1 : close + 2;
    } else j++;
  }
  return j + 1;
}

/**
 * The relaxed form of a regex source (Go/RE2 syntax), or undefined when it has no wide bound
 * to relax or uses syntax this reading does not follow (`\Q…\E`).
 */
export function relaxBounds(src: string): RelaxedRegex | undefined {
  if (src.includes('\\Q')) return undefined;
  const candidates: Candidate[] = [];
  /** Opening offsets of groups that may repeat more than once. */
  const repeatedGroups: Array<[number, number]> = [];
  /** Opening offsets of capturing groups, in order. */
  const captures: number[] = [];
  const open: number[] = [];
  let atom: Atom | undefined;
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    const quant = quantifierAt(src, i);
    if (quant.length > 0) {
      const end = i + quant.length;
      if (atom?.groupStart !== undefined && quant.max > 1) repeatedGroups.push([atom.groupStart, atom.end]);
      if (atom?.single && quant.max !== Infinity && quant.max - quant.min >= MIN_SPAN) {
        candidates.push({ atomStart: atom.start, atomEnd: atom.end, min: quant.min, max: quant.max, quantEnd: end, lazy: quant.lazy });
      }
      atom = undefined;
      i = end;
      continue;
    }
    if (c === '\\') {
      const end = escapeEnd(src, i);
      atom = { start: i, end, single: !ESCAPE_ASSERTIONS.has(src[i + 1]) };
      i = end;
    } else if (c === '[') {
      const end = classEnd(src, i);
      atom = { start: i, end, single: true };
      i = end;
    } else if (c === '(') {
      const flagsOnly = /^\(\?[a-zA-Z-]*\)/.exec(src.slice(i, i + 16));
      if (flagsOnly) {
        atom = undefined;
        i += flagsOnly[0].length;
        continue;
      }
      const named = src.startsWith('(?P<', i) || src.startsWith('(?<', i);
      if (src[i + 1] !== '?' || named) captures.push(i);
      open.push(i);
      atom = undefined;
      i++;
    } else if (c === ')') {
      const start = open.pop();
      atom = start === undefined ? undefined : { start, end: i + 1, single: false, groupStart: start };
      i++;
    } else if (c === '|' || c === '^' || c === '$') {
      atom = undefined;
      i++;
    } else {
      const width = (src.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
      atom = { start: i, end: i + width, single: true };
      i += width;
    }
  }
  const kept = candidates.filter((k) => !repeatedGroups.some(([s, e]) => k.atomStart > s && k.atomEnd < e));
  if (kept.length === 0) return undefined;

  let out = '';
  let at = 0;
  let number = 0;
  const groups = [0];
  const runs: Array<{ group: number; max: number }> = [];
  let nextCapture = 0;
  const countCapturesBefore = (offset: number): void => {
    while (nextCapture < captures.length && captures[nextCapture] < offset) {
      groups.push(++number);
      nextCapture++;
    }
  };
  for (const k of kept) {
    countCapturesBefore(k.atomStart);
    runs.push({ group: ++number, max: k.max });
    const repeat = k.min === 0 ? '*' : k.min === 1 ? '+' : `{${k.min},}`;
    out += `${src.slice(at, k.atomStart)}(${src.slice(k.atomStart, k.atomEnd)}${repeat}${k.lazy ? '?' : ''})`;
    at = k.quantEnd;
  }
  countCapturesBefore(src.length);
  out += src.slice(at);
  return { source: out, groups, runs };
}

/** Characters in UTF-8 bytes: the bytes that do not continue a character. */
export function utf8Length(bytes: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < bytes.length; i++) if ((bytes[i] & 0xc0) !== 0x80) n++;
  return n;
}
