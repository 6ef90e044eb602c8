// The keyword prefilter: one pass over the fragment's UTF-8 bytes, ASCII case folded on
// the fly (no lower-cased copy), through a dense DFA built from all rules' keywords.
// It answers "which keywords occur", which decides which rules' regexes run at all.

export class KeywordMatcher {
  /** delta[state * 256 + byte] = next state (failure links already folded in). */
  private readonly delta: Int32Array;
  /** For each state, the keyword ids that end there (including via suffix links). */
  private readonly outputs: (number[] | undefined)[];
  readonly keywordCount: number;

  constructor(keywords: readonly string[]) {
    this.keywordCount = keywords.length;
    const goto: Map<number, number>[] = [new Map()];
    const out: number[][] = [[]];
    keywords.forEach((kw, id) => {
      let s = 0;
      for (const b of Buffer.from(kw.toLowerCase(), 'utf8')) {
        let next = goto[s].get(b);
        if (next === undefined) {
          next = goto.length;
          goto.push(new Map());
          out.push([]);
          goto[s].set(b, next);
        }
        s = next;
      }
      out[s].push(id);
    });
    const n = goto.length;
    const delta = new Int32Array(n * 256);
    const fail = new Int32Array(n);
    const queue: number[] = [];
    for (let b = 0; b < 256; b++) {
      const t = goto[0].get(b);
      if (t !== undefined) {
        delta[b] = t;
        queue.push(t);
      }
    }
    for (let qi = 0; qi < queue.length; qi++) {
      const s = queue[qi];
      if (out[fail[s]].length > 0) out[s] = out[s].concat(out[fail[s]]);
      for (let b = 0; b < 256; b++) {
        const t = goto[s].get(b);
        if (t !== undefined) {
          fail[t] = delta[fail[s] * 256 + b];
          delta[s * 256 + b] = t;
          queue.push(t);
        } else {
          delta[s * 256 + b] = delta[fail[s] * 256 + b];
        }
      }
    }
    // Upper-case ASCII behaves as its lower-case letter.
    for (let s = 0; s < n; s++) {
      for (let b = 65; b <= 90; b++) delta[s * 256 + b] = delta[s * 256 + b + 32];
    }
    this.delta = delta;
    this.outputs = out.map((o) => (o.length > 0 ? o : undefined));
  }

  /** Marks found[id] = 1 for every keyword present in bytes; returns how many distinct ones. */
  scan(bytes: Uint8Array, found: Uint8Array): number {
    const delta = this.delta;
    const outputs = this.outputs;
    let distinct = 0;
    let s = 0;
    for (let i = 0, n = bytes.length; i < n; i++) {
      s = delta[(s << 8) | bytes[i]];
      const o = outputs[s];
      if (o !== undefined) {
        for (let k = 0; k < o.length; k++) {
          if (found[o[k]] === 0) {
            found[o[k]] = 1;
            distinct++;
          }
        }
        if (distinct === this.keywordCount) return distinct;
      }
    }
    return distinct;
  }
}
