// The keyword prefilter: one pass over the fragment's UTF-8 bytes, ASCII case folded on
// the fly (no lower-cased copy), through a dense DFA built from all rules' keywords.
// It answers "which keywords occur", which decides which rules' regexes run at all.

export class KeywordMatcher {
  /** Byte -> column of the transition table (bytes no keyword uses share column 0). */
  private readonly classOf: Uint8Array;
  private readonly width: number;
  /**
   * next = delta[(state >> 1) * width + classOf[byte]]; states are stored as id << 1, with
   * the low bit set when keywords end there, so the hot loop tests a bit, not an array.
   */
  private readonly delta: Int32Array;
  /** For each state id, the keyword ids that end there (including via suffix links). */
  private readonly outputs: number[][];
  readonly keywordCount: number;
  /** Byte length of each keyword. */
  readonly lengths: number[];

  constructor(keywords: readonly string[]) {
    this.keywordCount = keywords.length;
    const encoded = keywords.map((k) => Buffer.from(k.toLowerCase(), 'utf8'));
    this.lengths = encoded.map((b) => b.length);
    // Upper-case ASCII folds onto its lower-case letter's column.
    const classOf = new Uint8Array(256);
    let width = 1;
    for (const kw of encoded) for (const b of kw) if (classOf[b] === 0) classOf[b] = width++;
    for (let b = 65; b <= 90; b++) classOf[b] = classOf[b + 32];
    if (width > 255) throw new Error('too many distinct keyword bytes');
    this.classOf = classOf;
    this.width = width;

    const goto: Map<number, number>[] = [new Map()];
    const out: number[][] = [[]];
    encoded.forEach((kw, id) => {
      let s = 0;
      for (const b of kw) {
        const c = classOf[b];
        let next = goto[s].get(c);
        if (next === undefined) {
          next = goto.length;
          goto.push(new Map());
          out.push([]);
          goto[s].set(c, next);
        }
        s = next;
      }
      out[s].push(id);
    });
    const n = goto.length;
    const next = new Int32Array(n * width);
    const fail = new Int32Array(n);
    const queue: number[] = [];
    for (let c = 1; c < width; c++) {
      const t = goto[0].get(c);
      if (t !== undefined) {
        next[c] = t;
        queue.push(t);
      }
    }
    for (let qi = 0; qi < queue.length; qi++) {
      const s = queue[qi];
      if (out[fail[s]].length > 0) out[s] = out[s].concat(out[fail[s]]);
      for (let c = 1; c < width; c++) {
        const t = goto[s].get(c);
        if (t !== undefined) {
          fail[t] = next[fail[s] * width + c];
          next[s * width + c] = t;
          queue.push(t);
        } else {
          next[s * width + c] = next[fail[s] * width + c];
        }
      }
    }
    const delta = new Int32Array(n * width);
    for (let i = 0; i < delta.length; i++) {
      const t = next[i];
      delta[i] = (t * width) << 1 | (out[t].length > 0 ? 1 : 0);
    }
    this.delta = delta;
    this.outputs = out;
  }

  /**
   * Counts every keyword's occurrences in bytes into count[id] and records the end offsets
   * of the first `cap` occurrences in positions[id]; returns how many distinct keywords occur.
   * When `runs` is given, the same pass also collects [start, end) pairs of runs of bytes with
   * runClass[byte] !== 0 at least minRun long (the decoder's candidates), saving it a pass.
   */
  scan(bytes: Uint8Array, count: Uint32Array, positions: number[][], cap: number, runs?: { runClass: Uint8Array; minRun: number; out: number[] }): number {
    const { delta, classOf, outputs, width } = this;
    const runClass = runs ? runs.runClass : ZERO_CLASS;
    const minRun = runs ? runs.minRun : Infinity;
    let distinct = 0;
    let s = 0; // row offset << 1 | output bit
    let run = 0;
    const n = bytes.length;
    for (let i = 0; i < n; i++) {
      const b = bytes[i];
      s = delta[(s >> 1) + classOf[b]];
      if (runClass[b] !== 0) run++;
      else {
        if (run >= minRun) runs!.out.push(i - run, i);
        run = 0;
      }
      if ((s & 1) !== 0) {
        const o = outputs[(s >> 1) / width];
        for (let k = 0; k < o.length; k++) {
          const id = o[k];
          const c = count[id]++;
          if (c === 0) distinct++;
          if (c < cap) positions[id].push(i);
        }
      }
    }
    if (run >= minRun) runs!.out.push(n - run, n);
    return distinct;
  }
}

const ZERO_CLASS = new Uint8Array(256);
