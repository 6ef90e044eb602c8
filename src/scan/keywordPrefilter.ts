// The keyword prefilter: which rules can match, and roughly where. All keywords go into one
// RE2.Set, a native DFA that runs several times faster than an automaton stepped in
// JavaScript (which is bound by one dependent table load per byte). A Set reports which
// keywords occur, not where, so large fragments are asked about chunk by chunk: a rule's
// regex then runs only on the chunks holding its keywords (see windows.ts), which costs one
// native call per chunk instead of JavaScript work per byte.
import RE2 from 're2';

/** Chunk length; measured on node_modules, 4 KB balanced prefilter calls against regex bytes. */
export const CHUNK_BYTES = 4096;

/**
 * A keyword as an RE2 pattern matching it with ASCII case folded, as gitleaks keywords match
 * (RE2's own (?i) would also fold k and s onto multi-byte letters, lengthening matches).
 */
function literal(keyword: string): string {
  let out = '';
  for (const c of keyword) {
    const code = c.charCodeAt(0);
    out += code < 128 ? ASCII_PATTERN[code] : c;
  }
  return out;
}

/** Each ASCII character as a pattern: letters as [Aa], digits and _ as themselves, the rest \x{..}. */
const ASCII_PATTERN = Array.from({ length: 128 }, (_, code) => {
  const c = String.fromCharCode(code);
  if (/[a-zA-Z]/.test(c)) return `[${c.toUpperCase()}${c.toLowerCase()}]`;
  if (/[0-9_]/.test(c)) return c;
  return `\\x{${code.toString(16)}}`;
});

export class KeywordPrefilter {
  /** Chunks overlap by the longest keyword less one byte, so an occurrence starting in a chunk lies wholly inside it. */
  private readonly overlap: number;
  private readonly set?: InstanceType<typeof RE2.Set>;
  private readonly gaveUp: boolean = false;

  // Literals only: a counted repetition in the Set (tried: EAA[A-Za-z0-9]{100} to rule out
  // more chunks than the keyword "eaa") lets crafted input multiply its DFA states, down
  // to 0.3 MB/s on "EAA" + random letters.
  constructor(keywords: readonly string[]) {
    this.overlap = Math.max(0, ...keywords.map((k) => Buffer.byteLength(k) - 1));
    if (keywords.length === 0) return;
    try {
      this.set = new RE2.Set(keywords.map(literal), 'u');
    } catch {
      // Too big for RE2 to compile (only conceivable with huge custom rule sets): then every
      // keyword rule runs on every fragment, slower but without missing anything.
      this.gaveUp = true;
    }
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
    const found = new Map<number, number[]>();
    const set = this.set;
    if (!set) return this.gaveUp ? undefined : found;
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
