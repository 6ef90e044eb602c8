// The keyword prefilter: which rules can match, and roughly where. All keywords go into one
// RE2.Set, a native DFA that runs several times faster than an automaton stepped in
// JavaScript (which is bound by one dependent table load per byte). A Set reports which
// keywords occur, not where, so large fragments are asked about chunk by chunk: a rule's
// regex then runs only on the chunks holding its keywords (see windows.ts), which costs one
// native call per chunk instead of JavaScript work per byte.
import RE2 from 're2';

/** Chunk length; measured on node_modules, 4 KB balanced prefilter calls against regex bytes. */
export const CHUNK_BYTES = 4096;

/** A keyword as an RE2 literal: ASCII punctuation and spaces as \x{..}, other characters as-is. */
function literal(keyword: string): string {
  return keyword.replace(/[^A-Za-z0-9_\u0080-\uffff]/g, (c) => `\\x{${c.charCodeAt(0).toString(16)}}`);
}

export class KeywordPrefilter {
  readonly keywordCount: number;
  /** Chunks overlap by the longest keyword less one byte, so an occurrence starting in a chunk lies wholly inside it. */
  readonly overlap: number;
  private readonly set?: InstanceType<typeof RE2.Set>;

  constructor(keywords: readonly string[]) {
    this.keywordCount = keywords.length;
    this.overlap = Math.max(0, ...keywords.map((k) => Buffer.byteLength(k) - 1));
    // Case-insensitive, as gitleaks keywords are.
    if (keywords.length > 0) this.set = new RE2.Set(keywords.map(literal), 'iu');
  }

  /** The end (exclusive) of the chunk starting at `start` in a text of length n. */
  chunkEnd(start: number, n: number): number {
    return Math.min(n, start + CHUNK_BYTES + this.overlap);
  }

  /**
   * For each keyword k that occurs, counts the chunks holding it into count[k] and records
   * those chunks' start offsets in chunks[k] (both must be cleared by the caller). Returns how
   * many distinct keywords occur, or -1 when the native matcher gave up (its DFA ran out of
   * memory, possible only with very large custom keyword sets): then the caller must assume
   * that every keyword occurs everywhere.
   */
  scan(bytes: Buffer, count: Uint32Array, chunks: number[][]): number {
    const set = this.set;
    if (!set) return 0;
    const n = bytes.length;
    let distinct = 0;
    for (let start = 0; start < n || start === 0; start += CHUNK_BYTES) {
      const end = this.chunkEnd(start, n);
      let ids: number[];
      try {
        ids = set.match(start === 0 && end === n ? bytes : bytes.subarray(start, end));
      } catch {
        return -1;
      }
      for (let i = 0; i < ids.length; i++) {
        const k = ids[i];
        if (count[k]++ === 0) distinct++;
        chunks[k].push(start);
      }
      if (end === n) break;
    }
    return distinct;
  }
}
