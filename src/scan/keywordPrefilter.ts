// The keyword prefilter: which rules can match, and roughly where. All keywords go into one
// RE2.Set, a native DFA that runs several times faster than an automaton stepped in
// JavaScript (which is bound by one dependent table load per byte). A Set reports which
// keywords occur, not where, so large fragments are asked about chunk by chunk: a rule's
// regex then runs only on the chunks holding its keywords (see windows.ts), which costs one
// native call per chunk instead of JavaScript work per byte.
import RE2 from 're2';

/**
 * Chunk length; measured on node_modules, 4 KB balanced prefilter calls against regex bytes.
 * Re-measured with 678 rules and with every rule twinned (1,356; best CPU per 100 MB pass):
 * 4 KB 1,065 / 1,370 ms, 8 KB 1,110 / 1,471 ms, 16 KB 1,211 / 1,578 ms. Two or four smaller
 * Sets instead of one cost 2-3x (each reads every byte), and matching lower-cased text
 * with a lower-case Set 1.6x (the copy costs more than the smaller automaton saves). Placing
 * each keyword inside its chunk (native indexOf of its usual spellings) for windows of a few
 * lines halved the bytes the rule regexes ran over (274 -> 148 MB) but not the time: the
 * searches and the extra regex calls cost what the shorter runs saved (1,057 against 1,027 ms).
 */
export const CHUNK_BYTES = 4096;

/**
 * Bytes a scan matches with the lower-case Set before the case-folding Set is compiled.
 * The case-folding Set takes 8-16 ms to compile (every letter is a class), a sixth of a
 * pre-commit run, whose staged diff is a few KB; the lower-case Set compiles in 3-4 ms, and
 * lower-casing a few KB of text costs microseconds. Past this, lower-casing every byte would
 * cost more than the compile saved.
 */
export const SET_AFTER_BYTES = 256 * 1024;

export interface KeywordPrefilterOptions {
  /** Default SET_AFTER_BYTES; 0 uses the case-folding Set from the start. */
  setAfterBytes?: number;
}

type KeywordSet = InstanceType<typeof RE2.Set>;

/** Each ASCII character as a pattern: letters as [Aa], digits and _ as themselves, the rest \x{..}. */
const ASCII_PATTERN = Array.from({ length: 128 }, (_, code) => {
  const c = String.fromCharCode(code);
  if (/[a-zA-Z]/.test(c)) return `[${c.toUpperCase()}${c.toLowerCase()}]`;
  if (/[0-9_]/.test(c)) return c;
  return `\\x{${code.toString(16)}}`;
});

/**
 * A keyword as an RE2 pattern matching it with ASCII case folded, as gitleaks keywords match
 * (RE2's own (?i) would also fold k and s onto multi-byte letters, lengthening matches).
 */
function foldingPattern(keyword: string): string {
  let out = '';
  for (const c of keyword) {
    const code = c.charCodeAt(0);
    out += code < 128 ? ASCII_PATTERN[code] : c;
  }
  return out;
}

/**
 * An ASCII keyword as a pattern matching its lower-case form only. One replace per keyword:
 * a loop over characters allocated ~0.4 MB for the built-in keywords, a scavenge of the hook.
 */
function lowerPattern(keyword: string): string {
  return keyword.toLowerCase().replace(/[^a-z0-9_]/g, (c) => `\\x{${c.charCodeAt(0).toString(16)}}`);
}

/**
 * The bytes with ASCII letters lower-cased. Latin-1 lower-casing maps no byte above 0x7f to
 * ASCII, so ASCII keywords match in the result exactly where they match case-insensitively
 * in the original (bytes above 0x7f may change, which no ASCII keyword can see).
 */
function lowerAscii(bytes: Buffer): Buffer {
  return Buffer.from(bytes.toString('latin1').toLowerCase(), 'latin1');
}

function compile(patterns: string[]): KeywordSet | undefined {
  try {
    return new RE2.Set(patterns, 'u');
  } catch {
    // Too big for RE2 to compile (only conceivable with huge custom rule sets).
    return undefined;
  }
}

export class KeywordPrefilter {
  /** Chunks overlap by the longest keyword less one byte, so an occurrence starting in a chunk lies wholly inside it. */
  private readonly overlap: number;
  /** The keywords in lower case, for lower-cased text (only when every keyword is ASCII). */
  private lowerSet?: KeywordSet;
  /** The keywords with ASCII case folded. */
  private foldingSet?: KeywordSet;
  private gaveUp = false;
  /** Bytes the lower-case Set may still take before the case-folding Set is compiled. */
  private lowerBudget: number;

  // Literals only: a counted repetition in the Set (tried: EAA[A-Za-z0-9]{100} to rule out
  // more chunks than the keyword "eaa") lets crafted input multiply its DFA states, down
  // to 0.3 MB/s on "EAA" + random letters.
  constructor(private readonly keywords: readonly string[], options: KeywordPrefilterOptions = {}) {
    this.overlap = Math.max(0, ...keywords.map((k) => Buffer.byteLength(k) - 1));
    const ascii = keywords.every((k) => /^[\x00-\x7f]*$/.test(k));
    this.lowerBudget = ascii ? (options.setAfterBytes ?? SET_AFTER_BYTES) : 0;
  }

  /** The end (exclusive) of the chunk starting at `start` in a text of length n. */
  chunkEnd(start: number, n: number): number {
    return Math.min(n, start + CHUNK_BYTES + this.overlap);
  }

  /**
   * The keywords (by id) that occur in bytes, each with the start offsets of the chunks
   * holding it; undefined when the native matcher gave up (its DFA ran out of memory,
   * conceivable only with huge custom rule sets): then the caller must assume that every
   * keyword occurs everywhere.
   */
  scan(bytes: Buffer): Map<number, number[]> | undefined {
    if (this.keywords.length === 0) return new Map();
    if (this.lowerBudget >= bytes.length) {
      this.lowerSet ??= compile(this.keywords.map(lowerPattern));
      if (this.lowerSet) {
        this.lowerBudget -= bytes.length;
        return this.chunks(this.lowerSet, lowerAscii(bytes));
      }
    }
    this.lowerBudget = 0;
    if (!this.foldingSet && !this.gaveUp) {
      this.foldingSet = compile(this.keywords.map(foldingPattern));
      this.gaveUp = this.foldingSet === undefined;
    }
    return this.foldingSet ? this.chunks(this.foldingSet, bytes) : undefined;
  }

  private chunks(set: KeywordSet, bytes: Buffer): Map<number, number[]> | undefined {
    const found = new Map<number, number[]>();
    const n = bytes.length;
    for (let start = 0; ; start += CHUNK_BYTES) {
      const end = this.chunkEnd(start, n);
      let ids: number[];
      try {
        ids = set.match(start === 0 && end === n ? bytes : bytes.subarray(start, end));
      } catch {
        return undefined;
      }
      for (let i = 0; i < ids.length; i++) {
        const chunks = found.get(ids[i]);
        if (chunks) chunks.push(start);
        else found.set(ids[i], [start]);
      }
      if (end === n) return found;
    }
  }
}
