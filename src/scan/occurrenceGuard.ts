// Whether a keyword occurrence can be where a match of its rule starts. The keyword pass folds
// case and ignores what surrounds a keyword, so `eaa` is met thousands of times inside base64
// runs (`...AAeAAAA...`) and `asia` in every `Asia/Tokyo`, although the facebook rule wants
// `\bEAA` and the AWS rules `\bASIA`. Where a regex opens with literal text that a keyword
// spells, the opening is read once from the regex source (the literal, its case, a `\b`
// before it, and the plain classes and literals that follow it) and each occurrence is
// checked against it in a few byte comparisons: one that fails places no window and selects
// no rule. Read conservatively: whatever the reader does not understand ends the opening, so
// a check can only be weaker than the regex, never stricter.

import { quantifierAt } from './regexSyntax.js';

/** The start of every match, as far as it is plain: literal heads and the atoms after them. */
interface Opening {
  /** The literal texts a match starts with (one of them). */
  heads: string[];
  /** The heads match ASCII case-insensitively ((?i)). */
  fold: boolean;
  /** Per head: a `\b` precedes it. */
  boundaries: boolean[];
  /** What follows the head, atom by atom, as far as a greedy walk decides it. */
  follow: Atom[];
}

interface Atom {
  /** in[b] = 1: byte b matches. Bytes >= 0x80 are never looked at (see passes). */
  in: Uint8Array;
  min: number;
  max: number;
  /** A `\b` here instead (in, min and max unused). Always set: one object shape keeps the walk's loads monomorphic. */
  boundary: boolean;
}

export interface OccurrenceGuard {
  /** The keyword's length in bytes: where the occurrence starts, from where it ends. */
  keywordLength: number;
  /** The head starts this many bytes into the occurrence (1: the keyword opens with a separator, ` pat`). */
  offset: number;
  heads: Uint8Array[];
  fold: boolean;
  /** Per head: a `\b` precedes it. */
  boundaries: boolean[];
  follow: Atom[];
  /** What precedes the head, nearest first (a keyword inside the regex: `-us` after 32 hex). */
  before: Atom[];
}

const META = new Set(['\\', '^', '$', '.', '|', '?', '*', '+', '(', ')', '[', ']', '{', '}']);
const MAX_HEADS = 16;
/** Bytes a check walks past the head at most; past that it passes (a long run is the regex's to judge). */
const MAX_WALK = 512;

const isWordByte = (b: number): boolean => (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b === 95;
const lower = (b: number): number => (b >= 65 && b <= 90 ? b + 32 : b);

/** Index of the `)` closing the group opened at `open`, or -1; and whether a `|` sits at its own level. */
function groupEnd(src: string, open: number): { close: number; alternation: boolean } {
  let depth = 0;
  let alternation = false;
  for (let i = open; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') i++;
    else if (c === '[') i = classEnd(src, i);
    else if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return { close: i, alternation };
    else if (c === '|' && depth === 1) alternation = true;
    if (i < 0) break;
  }
  return { close: -1, alternation };
}

/** Index of the `]` closing the class opened at `open`, or -1. */
function classEnd(src: string, open: number): number {
  let i = open + 1;
  if (src[i] === '^') i++;
  if (src[i] === ']') i++;
  for (; i < src.length; i++) {
    if (src[i] === '\\') i++;
    else if (src[i] === '[') return -1;
    else if (src[i] === ']') return i;
  }
  return -1;
}

/** Whether a `|` sits outside every group. */
function topLevelAlternation(src: string): boolean {
  let depth = 0;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') i++;
    else if (c === '[') {
      i = classEnd(src, i);
      if (i < 0) return true;
    } else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) return true;
  }
  return false;
}

/** The bytes a shorthand class (\d \w \s and their negations) matches, or undefined. */
function shorthand(c: string): Uint8Array | undefined {
  const set = new Uint8Array(256);
  const lc = c.toLowerCase();
  if (lc === 'd') for (let b = 48; b <= 57; b++) set[b] = 1;
  else if (lc === 'w') for (let b = 0; b < 128; b++) set[b] = isWordByte(b) ? 1 : 0;
  else if (lc === 's') for (const b of [9, 10, 11, 12, 13, 32]) set[b] = 1;
  else return undefined;
  if (c !== lc) for (let b = 0; b < 256; b++) set[b] ^= 1;
  return set;
}

/** The bytes of the class src[open..end], or undefined for what this reader leaves alone. */
function classBytes(src: string, open: number, end: number): Uint8Array | undefined {
  const set = new Uint8Array(256);
  let i = open + 1;
  const negated = src[i] === '^';
  if (negated) i++;
  let prev = -1;
  for (; i < end; i++) {
    let b: number;
    if (src[i] === '\\') {
      const e = src[++i];
      const sh = shorthand(e);
      if (sh) {
        for (let x = 0; x < 256; x++) set[x] |= sh[x];
        prev = -1;
        continue;
      }
      if (e === 't') b = 9;
      else if (e === 'n') b = 10;
      else if (e === 'r') b = 13;
      else if (/[^A-Za-z0-9]/.test(e)) b = e.charCodeAt(0);
      else return undefined;
    } else if (src[i] === '-' && prev >= 0 && i + 1 < end) {
      let hi = src.charCodeAt(++i);
      if (src[i] === '\\') {
        const e = src[++i];
        if (/[A-Za-z0-9]/.test(e)) return undefined;
        hi = e.charCodeAt(0);
      }
      if (hi > 127) return undefined;
      for (let x = prev; x <= hi; x++) set[x] = 1;
      prev = -1;
      continue;
    } else b = src.charCodeAt(i);
    if (b > 127) return undefined;
    set[b] = 1;
    prev = b;
  }
  if (negated) for (let x = 0; x < 256; x++) set[x] ^= 1;
  return set;
}

/** Case-folded copy of a byte set ((?i) classes). */
function foldedSet(set: Uint8Array): Uint8Array {
  const out = set.slice();
  for (let b = 65; b <= 90; b++) if (set[b] || set[b + 32]) out[b] = out[b + 32] = 1;
  return out;
}

/**
 * The atoms after the head, from src[i], up to the first construct this reader leaves alone
 * or the first whose greedy walk could differ from the regex's (a variable run whose bytes the
 * next atom could also take).
 */
function followAt(src: string, i: number, fold: boolean): Atom[] {
  const atoms: Atom[] = [];
  while (i < src.length && atoms.length < 8) {
    const c = src[i];
    let set: Uint8Array | undefined;
    let width = 1;
    if (src.startsWith('\\b', i)) {
      i += 2;
      continue;
    }
    if (c === ')') {
      if (quantifierAt(src, i + 1).length > 0) break;
      i++;
      continue;
    }
    if (c === '(') {
      const plain = /^\((?:\?:|\?P?<\w+>)?/.exec(src.slice(i))![0];
      if (src[i + 1] === '?' && plain === '(') break;
      const { close, alternation } = groupEnd(src, i);
      if (close < 0 || alternation || quantifierAt(src, close + 1).length > 0) break;
      i += plain.length;
      continue;
    }
    if (c === '[') {
      const end = classEnd(src, i);
      if (end < 0) break;
      set = classBytes(src, i, end);
      width = end + 1 - i;
    } else if (c === '.') {
      // Any byte: (?s) would let it take a newline too.
      set = new Uint8Array(256).fill(1);
    } else if (c === '\\') {
      const e = src[i + 1] ?? '';
      set = shorthand(e);
      if (!set && /[^A-Za-z0-9]/.test(e)) {
        set = new Uint8Array(256);
        set[e.charCodeAt(0)] = 1;
      }
      width = 2;
    } else if (!META.has(c) && c.charCodeAt(0) < 128) {
      set = new Uint8Array(256);
      set[c.charCodeAt(0)] = 1;
    }
    if (!set) break;
    const q = quantifierAt(src, i + width);
    // An optional atom: the next one may take its place, which a greedy walk cannot follow.
    if (q.min === 0) break;
    const atom = { in: fold ? foldedSet(set) : set, min: q.min, max: q.max, boundary: false };
    const last = atoms[atoms.length - 1];
    if (last && last.min !== last.max && atom.in.some((x, b) => x === 1 && last.in[b] === 1)) break;
    atoms.push(atom);
    i += width + q.length;
  }
  return atoms;
}

/** How every match of `src` starts, or undefined where that is not plain literal text. */
export function openingOf(src: string): Opening | undefined {
  if (topLevelAlternation(src)) return undefined;
  let i = 0;
  let fold = false;
  let boundary = false;
  for (;;) {
    if (src.startsWith('\\b', i)) {
      boundary = true;
      i += 2;
      continue;
    }
    const flags = /^\(\?([a-zA-Z]+)(\)|:)/.exec(src.slice(i, i + 12));
    if (flags) {
      if (flags[1].includes('-') || !/^[imsU]+$/.test(flags[1])) return undefined;
      if (flags[1].includes('i')) fold = true;
      if (flags[2] === ':' && groupEnd(src, i).alternation) break;
      if (flags[2] === ':' && !enterGroup(src, i)) return undefined;
      i += flags[0].length;
      continue;
    }
    const open = groupOpenerAt(src, i);
    if (open) {
      // A group of alternatives is the heads (below), if each opens with literal text.
      if (groupEnd(src, i).alternation) break;
      if (!enterGroup(src, i)) return undefined;
      i += open.length;
      continue;
    }
    break;
  }
  let heads: string[];
  let boundaries: boolean[];
  let follows = true;
  const open = groupOpenerAt(src, i);
  if (open) {
    const { close } = groupEnd(src, i);
    if (close < 0 || quantifierAt(src, close + 1).length > 0) return undefined;
    // A branch may open with its own \b (`(?i:\bx-…|ocp-apim-…)`).
    const branches = branchesOf(src.slice(i + open.length, close)).map((b) => (b.startsWith('\\b') ? { b: b.slice(2), own: true } : { b, own: false }));
    boundaries = branches.map((x) => boundary || x.own);
    if (branches.every((x) => literalAt(x.b, 0).end === x.b.length)) {
      // Plain alternatives (`(?:AKIA|ASIA)`), and the literal text after them (`(?:APP_USR|TEST)-`).
      const tail = literalAt(src, close + 1);
      heads = branches.map((x) => literalAt(x.b, 0).text + tail.text);
      i = tail.end;
    } else {
      // Branches that go on past their literal opening (`(ntn_[0-9]{11}…|secret_[A-Za-z0-9]{43})`):
      // each opening is a head, and what follows differs by branch, so the walk reads nothing after.
      heads = branches.map((x) => literalAt(x.b, 0).text);
      follows = false;
    }
  } else {
    const lit = literalAt(src, i);
    heads = [lit.text];
    boundaries = [boundary];
    i = lit.end;
  }
  if (heads.length > MAX_HEADS || heads.some((h) => h === '')) return undefined;
  return { heads, fold, boundaries, follow: follows ? followAt(src, i, fold) : [] };
}

/** The opener of a group at src[i] (`(`, `(?:`, `(?P<name>`, `(?i:`), or undefined. */
function groupOpenerAt(src: string, i: number): string | undefined {
  const open = /^\((?:\?:|\?P?<\w+>|\?[imsU]+:)?/.exec(src.slice(i, i + 40));
  return open && (src[i + 1] !== '?' || open[0] !== '(') ? open[0] : undefined;
}

/** A group body's alternatives, split at the `|`s outside its inner groups and classes. */
function branchesOf(body: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let from = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\') i++;
    else if (c === '[') i = Math.max(i, classEnd(body, i));
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      out.push(body.slice(from, i));
      from = i + 1;
    }
  }
  out.push(body.slice(from));
  return out;
}

/** The literal text at src[from] (escaped punctuation included), up to a metacharacter or a quantified character. */
function literalAt(src: string, from: number): { text: string; end: number } {
  let text = '';
  let i = from;
  for (;;) {
    const c = src[i];
    let ch: string;
    let width = 1;
    if (c === '\\' && /[^A-Za-z0-9]/.test(src[i + 1] ?? 'a')) {
      ch = src[i + 1];
      width = 2;
    } else if (c !== undefined && !META.has(c) && c.charCodeAt(0) < 128) ch = c;
    else break;
    if (quantifierAt(src, i + width).length > 0) break;
    text += ch;
    i += width;
  }
  return { text, end: i };
}

/** A group in the opening must hold no alternation and be required (not `?`, `*`, `{0,…}`). */
function enterGroup(src: string, open: number): boolean {
  const { close, alternation } = groupEnd(src, open);
  if (close < 0 || alternation) return false;
  return quantifierAt(src, close + 1).min > 0;
}

/**
 * The check for occurrences of `keyword` (as the prefilter holds it, lower case) of a rule
 * whose regex is `regex`: undefined when the keyword does not spell the opening (it may sit
 * anywhere in a match, or beside it).
 */
export function guardFor(regex: string, keyword: string, ruleKeywords: readonly string[] = [keyword]): OccurrenceGuard | undefined {
  const opening = openingOf(regex);
  const kw = keyword.toLowerCase();
  // The keyword must lie within the head: one that runs past it (`exoscale` for `EXO[0-9a-f]{24}`)
  // names the provider beside the token, and its occurrences start no match.
  const related = (h: string, k: string) => k.length > 0 && h.toLowerCase().startsWith(k);
  const relatedAt = (h: string, k: string, offset: number) =>
    offset === 0 ? related(h, k) : k.length >= 2 && !isWordByte(k.charCodeAt(0)) && k.charCodeAt(0) < 128 && related(h, k.slice(1));
  // Every head must open with one of the rule's keywords: then each match starts with an
  // occurrence that passes, and none relies on an occurrence elsewhere that a check turns away.
  const covered = opening?.heads.every((h) => ruleKeywords.some((k) => relatedAt(h, k.toLowerCase(), 0) || relatedAt(h, k.toLowerCase(), 1)));
  for (const offset of opening && covered ? [0, 1] : []) {
    if (offset === 1 && (kw.length < 2 || isWordByte(kw.charCodeAt(0)) || kw.charCodeAt(0) > 127)) break;
    const picked = opening!.heads.flatMap((h, n) => (relatedAt(h, kw, offset) ? [n] : []));
    if (picked.length === 0) continue;
    return {
      keywordLength: Buffer.byteLength(keyword),
      offset,
      heads: picked.map((n) => Buffer.from(opening!.heads[n], 'latin1')),
      fold: opening!.fold,
      boundaries: picked.map((n) => opening!.boundaries[n]),
      follow: opening!.follow,
      before: [],
    };
  }
  return inner(regex, keyword);
}

type Item = Atom | 'opaque';

/**
 * The regex as one sequence every match follows, plain groups opened: atoms, `\b`s, and
 * 'opaque' for whatever this reader leaves alone (a group of alternatives, a repeated group,
 * anchors). Undefined when the regex has alternatives at its top.
 */
function sequenceOf(src: string): { items: Item[]; literal: Array<string | undefined>; folded: boolean[] } | undefined {
  if (topLevelAlternation(src)) return undefined;
  const items: Item[] = [];
  const literal: Array<string | undefined> = [];
  const folded: boolean[] = [];
  const push = (item: Item, lit?: string, f = false) => {
    items.push(item);
    literal.push(lit);
    folded.push(f);
  };
  let fold = false;
  for (let i = 0; i < src.length; ) {
    const c = src[i];
    const flags = /^\(\?([a-zA-Z-]+)(\)|:)/.exec(src.slice(i, i + 12));
    if (flags && flags[2] === ')') {
      if (/^[a-zA-Z]*i/.test(flags[1])) fold = true;
      i += flags[0].length;
      continue;
    }
    if (c === '(') {
      const open = /^\((?:\?:|\?P?<\w+>)?/.exec(src.slice(i, i + 40))![0];
      const { close, alternation } = groupEnd(src, i);
      if (close < 0) return undefined;
      const q = quantifierAt(src, close + 1);
      if ((src[i + 1] === '?' && open === '(') || alternation || q.length > 0) {
        push('opaque');
        i = close + 1 + q.length;
      } else i += open.length;
      continue;
    }
    if (c === ')') {
      i++;
      continue;
    }
    if (src.startsWith('\\b', i)) {
      push({ in: new Uint8Array(0), min: 0, max: 0, boundary: true });
      i += 2;
      continue;
    }
    let set: Uint8Array | undefined;
    let width = 1;
    let lit: string | undefined;
    if (c === '[') {
      const end = classEnd(src, i);
      if (end < 0) return undefined;
      set = classBytes(src, i, end);
      width = end + 1 - i;
    } else if (c === '.') set = new Uint8Array(256).fill(1);
    else if (c === '\\') {
      const e = src[i + 1] ?? '';
      set = shorthand(e);
      if (!set && /[^A-Za-z0-9]/.test(e)) lit = e;
      width = 2;
    } else if (!META.has(c) && c.charCodeAt(0) < 128) lit = c;
    if (lit !== undefined) {
      set = new Uint8Array(256);
      set[lit.charCodeAt(0)] = 1;
    }
    const q = quantifierAt(src, i + width);
    if (!set) push('opaque');
    else push({ in: fold ? foldedSet(set) : set, min: q.min, max: q.max, boundary: false }, q.min === 1 && q.max === 1 ? lit : undefined, fold);
    i += width + q.length;
  }
  return { items, literal, folded };
}

/**
 * Atoms a greedy walk may check, in walk order, from `items`: up to the first opaque item, the
 * first optional atom, or the first atom that may take bytes the variable run before it also
 * could (where the regex might give some back).
 */
function walkable(items: Item[]): Atom[] {
  const out: Atom[] = [];
  let last: Atom | undefined;
  for (const item of items) {
    if (item === 'opaque') break;
    if (item.boundary) {
      out.push(item);
      continue;
    }
    if (item.min === 0) break;
    if (last && last.min !== last.max && item.in.some((x, b) => x === 1 && last!.in[b] === 1)) break;
    out.push(item);
    last = item;
  }
  return out;
}

/** A guard for a keyword spelled by a run of literal characters inside the regex: the run, then the walks either side of it. */
function inner(regex: string, keyword: string): OccurrenceGuard | undefined {
  const seq = sequenceOf(regex);
  if (!seq) return undefined;
  const kw = keyword.toLowerCase();
  const { items, literal, folded: foldedAt } = seq;
  for (let a = 0; a < items.length; a++) {
    if (literal[a] === undefined) continue;
    let b = a;
    let run = '';
    while (b < items.length && literal[b] !== undefined) run += literal[b++];
    const j = run.toLowerCase().indexOf(kw);
    if (j < 0 || kw === '') {
      a = b;
      continue;
    }
    return {
      keywordLength: Buffer.byteLength(keyword),
      offset: -j,
      heads: [Buffer.from(run, 'latin1')],
      fold: foldedAt.slice(a, b).some((f) => f),
      boundaries: [false],
      follow: walkable(items.slice(b)),
      before: walkable(items.slice(0, a).reverse()),
    };
  }
  return undefined;
}

/** Whether a match of the guarded rule may hold the occurrence that starts at `start` where the guard places it. */
export function passes(g: OccurrenceGuard, bytes: Uint8Array, start: number): boolean {
  const at = start + g.offset;
  const n = bytes.length;
  if (at < 0) return false;
  const heads = g.heads;
  for (let h = 0; h < heads.length; h++) {
    const head = heads[h];
    if (at + head.length > n) continue;
    let j = 0;
    if (g.fold) while (j < head.length && lower(bytes[at + j]) === lower(head[j])) j++;
    else while (j < head.length && bytes[at + j] === head[j]) j++;
    if (j < head.length) continue;
    if (g.boundaries[h] && !boundaryAt(bytes, at)) continue;
    if (walk(g.follow, bytes, at + head.length, 1) && (g.before.length === 0 || walk(g.before, bytes, at, -1))) return true;
  }
  return false;
}

/** RE2's \b between bytes[p - 1] and bytes[p] (ASCII word characters). */
function boundaryAt(bytes: Uint8Array, p: number): boolean {
  return (p > 0 && isWordByte(bytes[p - 1])) !== (p < bytes.length && isWordByte(bytes[p]));
}

/** Walks `atoms` from `from` forwards (dir 1) or backwards from the byte before it (dir -1). */
function walk(atoms: Atom[], bytes: Uint8Array, from: number, dir: 1 | -1): boolean {
  const n = bytes.length;
  // p: the edge between bytes; the next byte is bytes[p] forwards, bytes[p - 1] backwards.
  let p = from;
  const back = dir === -1 ? 1 : 0;
  for (let a = 0; a < atoms.length; a++) {
    const { in: set, min, max } = atoms[a];
    if (atoms[a].boundary) {
      if (!boundaryAt(bytes, p)) return false;
      continue;
    }
    // A fixed atom takes exactly its count; a variable one its whole run (the next atom's
    // bytes are not its own: see walkable), so one byte more than it may take is a miss.
    const limit = min === max ? min : max + 1;
    let run = 0;
    for (;;) {
      if (run >= limit) break;
      const q = p + dir * run - back;
      if (q < 0 || q >= n) break;
      const b = bytes[q];
      // Non-ASCII text: the regex counts characters, not bytes; the walk stops deciding.
      if (b >= 0x80) return true;
      if (set[b] !== 1) break;
      if (++run + Math.abs(p - from) > MAX_WALK) return true;
    }
    if (run < min) return false;
    if (run > max) return atoms.slice(a + 1).every((x) => x.boundary);
    p += dir * run;
  }
  return true;
}
