// The keyword prefilter: which rules can match, and exactly where. Every keyword goes into one
// Aho-Corasick automaton over bytes (ASCII case folded), compiled to a flat transition table,
// so one pass over a fragment reports the end of every keyword occurrence. The scanner then
// runs a rule's regex only on the lines around its keywords (see windows.ts).
//
// Measured on 108 MB of node_modules text with 2,764 keywords (CPU per pass): the RE2.Set it
// replaces took 410 ms and said only which 4 KB chunks held which keywords; this table stepped
// one byte at a time takes 330 ms, and 240 ms stepping two halves of the fragment in one loop
// (two independent chains of table loads keep the CPU busy where one waits on each load;
// four were slower again: too few registers). Those are quiet-machine figures for the loop
// alone; inside the scanner on the shared machine both prefilters measured ~460 ms a pass.
// The gain is the places: rule regexes run over half the bytes they did (133 against 269 MB).
// Fragments past a few hundred bytes now go to the same table stepped in WebAssembly
// (keywordKernel.ts), which gives the same hits; this loop stays for small fragments, for
// crafted ones with more hits than are kept, and where WebAssembly is unavailable.

import type RE2 from 're2';
import { KeywordKernel, type StreamCount } from './keywordKernel.js';
import { compileSet, foldedBytes, lowerPattern } from './keywordPatterns.js';
import { AUTOMATON_VERSION, keywordsFingerprint, readAutomaton, writeAutomaton } from './automatonBlob.js';

/**
 * Bytes of position-free scans (small fragments) answered by an RE2.Set of the lower-cased
 * keywords before the automaton is built. Building it takes ~90 ms of CPU in a cold process
 * (~15 ms warm); the Set compiles in 3-4 ms, and a pre-commit run, whose staged diff is a few
 * KB, never needs more. Past this, lower-casing every byte would cost more than the build.
 * (The CLI adopts the built-in rules' automaton from dist/ rather than building it, see
 * `prebuilt`: ~3 ms with reading its 1.8 MB, which a scan the Set answers still never pays.)
 */
export const SET_BUDGET = 256 * 1024;

/** Below this, one stream: the overlap and the second loop are not worth it. */
const TWO_STREAMS_FROM = 4096;
/**
 * Fragments from this size go to the WebAssembly pass (keywordKernel.ts). A call costs ~100
 * ns more than the JavaScript loop's (copying in, two calls, copying the hits out); per byte
 * it takes ~1.1 ns against ~3 ns, so it wins from ~200 bytes (measured per call on slices of
 * node_modules files: 160 bytes 673 against 687 ns, 256 bytes 960-1130 against 640-1080 ns).
 */
const KERNEL_FROM = 192;
/**
 * Streams it steps at once. Per pass over 108 MB of node_modules text (warm CPU, the loop
 * alone; JavaScript's two streams: 240-275 ms): four streams 119 ms, five 112-120, six
 * 110-114; over hist-real's 59 MB four 63-66, five 58-61, six 59-66 ms. (With a first
 * kernel, states as row numbers in the 16-bit table: one stream 290, two 175, four 144-153,
 * eight 190 ms: registers ran out.)
 */
const KERNEL_STREAMS: StreamCount = 5;
/** Occurrences kept with their positions; past this (crafted input) only which keywords occur. */
export const MAX_POSITIONS = 1 << 16;

export interface KeywordHits {
  /** Occurrences with positions: ends[i] is the offset of the last byte of a keyword that state states[i] ends. */
  count: number;
  ends: Int32Array;
  states: Int32Array;
  /**
   * States reached after MAX_POSITIONS occurrences, positions not kept: their keywords occur
   * somewhere (the caller runs their rules over the whole fragment). Empty almost always.
   */
  unplaced: number[];
  /** Keyword ids that occur, without places or states (a scan that asked for no positions). */
  found: number[];
}

export class KeywordPrefilter {
  /** Byte -> column of the transition table (0: a byte no keyword holds). */
  private readonly cls = new Uint8Array(256);
  /** log2 of the table's row width. */
  private shift!: number;
  /** delta[(state << shift) | cls[byte]] = next state. States >= firstOut end a keyword. */
  private delta!: Uint16Array | Uint32Array;
  private firstOut!: number;
  /** The keyword ids state s ends (itself or through its suffixes): outIds[outStart[s - firstOut] .. outStart[s - firstOut + 1]]. */
  private outStart!: Int32Array;
  private outIds!: Int32Array;
  /** The longest keyword a state ends, in bytes: where its occurrence starts. */
  private outLength!: Int32Array;
  /** Each keyword's length in bytes, and the longest. */
  readonly lengths: Int32Array;
  readonly longest: number;
  /** Reused between scans (grown as needed): the hits, and the second stream's until merged. */
  private readonly first: KeywordHits = { count: 0, ends: new Int32Array(1024), states: new Int32Array(1024), unplaced: [], found: [] };
  private readonly second: KeywordHits = { count: 0, ends: new Int32Array(1024), states: new Int32Array(1024), unplaced: [], found: [] };
  private built = false;
  /**
   * A serialized automaton (see serialize) to install in place of building one, asked for on
   * the first scan that needs the automaton, so runs that never do (the pre-commit hook's
   * small scans) never read it. One built for other keywords is refused, and build() runs.
   */
  prebuilt?: () => Uint8Array | undefined;
  private setBudget: number;
  private lowerSet?: InstanceType<typeof RE2.Set> | null;
  private unplacedSeen?: Uint8Array;
  private kernel?: KeywordKernel | null;
  /** Fragments of at least this many bytes go to the WebAssembly pass (when it loads); tests set it. */
  kernelFrom = KERNEL_FROM;
  /** How many streams it steps at once. */
  kernelStreams: StreamCount = KERNEL_STREAMS;

  constructor(readonly keywords: readonly string[]) {
    this.lengths = Int32Array.from(keywords.map((k) => Buffer.byteLength(k)));
    this.longest = Math.max(0, ...this.lengths);
    this.setBudget = keywords.every((k) => /^[\x00-\x7f]*$/.test(k)) ? SET_BUDGET : 0;
  }

  /** The automaton, built (or adopted from `prebuilt`) on the first scan that needs it. */
  private build(): void {
    const blob = this.prebuilt?.();
    this.prebuilt = undefined;
    if (blob && this.adopt(blob)) return;
    this.built = true;
    const folded = this.keywords.map(foldedBytes);
    let columns = 1;
    for (const k of folded) for (const b of k) if (this.cls[b] === 0) this.cls[b] = columns++;
    for (let b = 65; b <= 90; b++) this.cls[b] = this.cls[b + 32];
    this.shift = Math.max(1, Math.ceil(Math.log2(columns)));
    const width = 1 << this.shift;

    // The trie: next[(s << shift) | class] = child (0: none; no edge enters the root). The
    // automaton is built from it by row copies, not byte by byte: a pre-commit scan builds it
    // cold, where every interpreted loop step costs.
    const shift = this.shift;
    const maxStates = 1 + folded.reduce((n, k) => n + k.length, 0);
    const next = new Int32Array(maxStates * width);
    const parent = new Int32Array(maxStates);
    const edge = new Int32Array(maxStates);
    const ownLast = new Int32Array(maxStates).fill(-1);
    const ownIds: number[] = [];
    const ownNext: number[] = [];
    let states = 1;
    folded.forEach((k, id) => {
      if (k.length === 0) return;
      let s = 0;
      for (const b of k) {
        const at = (s << shift) | this.cls[b];
        if (next[at] === 0) {
          parent[states] = s;
          edge[states] = this.cls[b];
          next[at] = states++;
        }
        s = next[at];
      }
      ownIds.push(id);
      ownNext.push(ownLast[s]);
      ownLast[s] = ownIds.length - 1;
    });
    // Children lists, for the breadth-first walks.
    const childStart = new Int32Array(states + 1);
    for (let t = 1; t < states; t++) childStart[parent[t] + 1]++;
    for (let s = 0; s < states; s++) childStart[s + 1] += childStart[s];
    const children = new Int32Array(Math.max(0, states - 1));
    const fill = childStart.slice(0, states);
    for (let t = 1; t < states; t++) children[fill[parent[t]]++] = t;

    // Breadth first: failure links (the longest proper suffix that is a trie state) and each
    // state's nearest suffix state that ends a keyword of its own (-1: none).
    const fail = new Int32Array(states);
    const dict = new Int32Array(states).fill(-1);
    const queue = new Int32Array(states);
    let tail = 0;
    for (let i = childStart[0]; i < childStart[1]; i++) queue[tail++] = children[i];
    for (let head = 0; head < tail; head++) {
      const s = queue[head];
      dict[s] = ownLast[fail[s]] >= 0 ? fail[s] : dict[fail[s]];
      for (let i = childStart[s]; i < childStart[s + 1]; i++) {
        const t = children[i];
        const c = edge[t];
        let f = fail[s];
        while (f !== 0 && next[(f << shift) | c] === 0) f = fail[f];
        fail[t] = next[(f << shift) | c];
        queue[tail++] = t;
      }
    }

    // Numbered breadth first (the shallow states, where text keeps the automaton almost all
    // the time, share a few cache lines), with the states ending a keyword last: one
    // comparison per byte tells a hit.
    const ends = (s: number): boolean => ownLast[s] >= 0 || dict[s] >= 0;
    const id = new Int32Array(states);
    let n = 1;
    for (let q = 0; q < tail; q++) if (!ends(queue[q])) id[queue[q]] = n++;
    this.firstOut = n;
    for (let q = 0; q < tail; q++) if (ends(queue[q])) id[queue[q]] = n++;
    // Each state's row is its failure state's (complete, being shallower) with its own edges set.
    const delta = states <= 0x10000 ? new Uint16Array(states * width) : new Uint32Array(states * width);
    for (let i = childStart[0]; i < childStart[1]; i++) delta[edge[children[i]]] = id[children[i]];
    for (let q = 0; q < tail; q++) {
      const s = queue[q];
      const row = id[s] << shift;
      const from = id[fail[s]] << shift;
      delta.copyWithin(row, from, from + width);
      for (let i = childStart[s]; i < childStart[s + 1]; i++) delta[row | edge[children[i]]] = id[children[i]];
    }
    this.delta = delta;
    const outCount = states - this.firstOut;
    this.outStart = new Int32Array(outCount + 1);
    this.outLength = new Int32Array(outCount);
    const outIds: number[] = [];
    const byId = new Int32Array(outCount);
    for (let s = 0; s < states; s++) if (ends(s)) byId[id[s] - this.firstOut] = s;
    for (let o = 0; o < outCount; o++) {
      this.outStart[o] = outIds.length;
      for (let s = byId[o]; s >= 0; s = dict[s]) {
        for (let e = ownLast[s]; e >= 0; e = ownNext[e]) {
          outIds.push(ownIds[e]);
          this.outLength[o] = Math.max(this.outLength[o], folded[ownIds[e]].length);
        }
      }
    }
    this.outStart[outCount] = outIds.length;
    this.outIds = Int32Array.from(outIds);
  }

  /**
   * The automaton as one blob, tagged with its format version and the keywords it was built
   * for: adopt() on another instance installs it without building. Builds it if need be.
   */
  serialize(): Uint8Array {
    if (!this.built) this.build();
    return writeAutomaton({
      fingerprint: keywordsFingerprint(this.keywords),
      keywords: this.keywords.length,
      cls: this.cls,
      shift: this.shift,
      firstOut: this.firstOut,
      delta: this.delta,
      outStart: this.outStart,
      outIds: this.outIds,
      outLength: this.outLength,
    });
  }

  /**
   * Installs a serialized automaton if it was built by this format version for exactly these
   * keywords and is whole; false (nothing changed) otherwise. The tables may stay views into
   * the blob: the caller must not modify it afterwards.
   */
  adopt(blob: Uint8Array): boolean {
    if (this.built) return false;
    const a = readAutomaton(blob, AUTOMATON_VERSION, keywordsFingerprint(this.keywords), this.keywords.length, this.longest);
    if (!a) return false;
    this.cls.set(a.cls);
    this.shift = a.shift;
    this.firstOut = a.firstOut;
    this.delta = a.delta;
    this.outStart = a.outStart;
    this.outIds = a.outIds;
    this.outLength = a.outLength;
    this.built = true;
    return true;
  }

  /**
   * What another thread building the same keywords can adopt: this automaton if built, else
   * the prebuilt blob (not checked here: the adopter checks it), else undefined.
   */
  shareable(): Uint8Array | undefined {
    if (this.built) return this.serialize();
    const blob = this.prebuilt?.();
    if (blob) this.prebuilt = () => blob;
    return blob;
  }

  /** The ids of the keywords that end where `state` was reached. */
  keywordsAt(state: number): Int32Array {
    const o = state - this.firstOut;
    return this.outIds.subarray(this.outStart[o], this.outStart[o + 1]);
  }

  /** How many states end keywords; `endingIndex` numbers them from 0, for callers' tables. */
  get endingStates(): number {
    if (!this.built) this.build();
    return this.outLength.length;
  }

  endingIndex(state: number): number {
    return state - this.firstOut;
  }

  /** Bytes from the start of the longest keyword `state` ends to its end. */
  lengthAt(state: number): number {
    return this.outLength[state - this.firstOut];
  }

  /** Every keyword occurrence in bytes. The arrays are reused: read them before the next scan. */
  scan(bytes: Uint8Array, positions = true): KeywordHits {
    const hits = this.first;
    hits.count = 0;
    hits.unplaced = [];
    hits.found = [];
    if (this.longest === 0) return hits;
    const n = bytes.length;
    if (!positions && !this.built && n <= this.setBudget) {
      this.lowerSet ??= compileSet(this.keywords.map(lowerPattern));
      if (this.lowerSet) {
        this.setBudget -= n;
        hits.found = this.lowerSet.match(Buffer.from(Buffer.from(bytes.buffer, bytes.byteOffset, n).toString('latin1').toLowerCase(), 'latin1'));
        return hits;
      }
    }
    if (!this.built) this.build();
    if (n >= this.kernelFrom && this.scanKernel(bytes, hits)) return hits;
    if (n < TWO_STREAMS_FROM || this.longest * 4 > n) {
      this.run(bytes, 0, n, 0, hits);
    } else {
      // The second half's automaton starts longest-1 bytes early, from the root, so it sees
      // every keyword that ends in its half; what it finds before its half is the first's.
      const second = this.second;
      second.count = 0;
      second.unplaced = hits.unplaced;
      const half = n >>> 1;
      const t = this.runTwo(bytes, half, hits, second);
      this.run(bytes, 2 * half - this.longest + 1, n, t, second);
      for (let i = 0; i < second.count; i++) this.record(hits, second.ends[i], second.states[i]);
    }
    if (this.unplacedSeen) for (const s of hits.unplaced) this.unplacedSeen[s - this.firstOut] = 0;
    return hits;
  }

  /**
   * The pass in WebAssembly; false (nothing kept) when it is unavailable or the fragment has
   * more hits than are kept with positions (the JavaScript pass says which are unplaced).
   */
  private scanKernel(bytes: Uint8Array, hits: KeywordHits): boolean {
    if (this.kernel === undefined) {
      this.kernel = this.delta instanceof Uint16Array ? (KeywordKernel.load({ cls: this.cls, delta: this.delta, shift: this.shift, firstOut: this.firstOut, longest: this.longest }) ?? null) : null;
    }
    const count = this.kernel ? this.kernel.scan(bytes, this.kernelStreams) : -1;
    if (count < 0 || count > MAX_POSITIONS) return false;
    if (hits.ends.length < count) {
      hits.ends = new Int32Array(Math.min(MAX_POSITIONS, Math.max(count, 2 * hits.ends.length)));
      hits.states = new Int32Array(hits.ends.length);
    }
    this.kernel!.copyHits(hits.ends, hits.states);
    hits.count = count;
    return true;
  }

  /** The ids of the keywords that occur in bytes (tests, and callers that need no positions). */
  found(bytes: Uint8Array, positions = true): Set<number> {
    const hits = this.scan(bytes, positions);
    const ids = new Set<number>();
    const add = (s: number) => {
      for (const k of this.keywordsAt(s)) ids.add(k);
    };
    for (let i = 0; i < hits.count; i++) add(hits.states[i]);
    for (const s of hits.unplaced) add(s);
    for (const k of hits.found) ids.add(k);
    return ids;
  }

  /**
   * Steps the automaton from `state` over bytes[from, to) and returns the state reached. The
   * loops live in functions of their own: V8 optimizes a long loop mid-call (on-stack
   * replacement), and code compiled then for a function holding a second, not yet run loop
   * had no type feedback for it and was thrown away at the end of every call for a while
   * (seen with --trace-deopt: dozens of bailouts per scan, each finishing its call in the
   * interpreter).
   */
  private run(bytes: Uint8Array, from: number, to: number, state: number, hits: KeywordHits): number {
    const { delta, cls, shift, firstOut } = this;
    let s = state;
    for (let i = from; i < to; i++) {
      s = delta[(s << shift) | cls[bytes[i]]];
      if (s >= firstOut) this.record(hits, i, s);
    }
    return s;
  }

  /**
   * Steps two automata in one loop: one over [0, half) into `hits`, one from half-longest+1
   * into `second` (what it finds before half is the first one's). Returns the second's state.
   */
  private runTwo(bytes: Uint8Array, half: number, hits: KeywordHits, second: KeywordHits): number {
    const { delta, cls, shift, firstOut } = this;
    let s = 0;
    let t = 0;
    let j = half - this.longest + 1;
    for (let i = 0; i < half; i++, j++) {
      s = delta[(s << shift) | cls[bytes[i]]];
      t = delta[(t << shift) | cls[bytes[j]]];
      if (s >= firstOut || t >= firstOut) {
        if (s >= firstOut) this.record(hits, i, s);
        if (t >= firstOut && j >= half) this.record(second, j, t);
      }
    }
    return t;
  }

  private record(hits: KeywordHits, end: number, state: number): void {
    if (hits.count === hits.ends.length && hits.count < MAX_POSITIONS) {
      const ends = new Int32Array(Math.min(MAX_POSITIONS, hits.count * 2));
      const states = new Int32Array(ends.length);
      ends.set(hits.ends);
      states.set(hits.states);
      hits.ends = ends;
      hits.states = states;
    }
    if (hits.count < hits.ends.length) {
      hits.ends[hits.count] = end;
      hits.states[hits.count++] = state;
      return;
    }
    const seen = (this.unplacedSeen ??= new Uint8Array(this.outLength.length));
    if (seen[state - this.firstOut] === 0) {
      seen[state - this.firstOut] = 1;
      hits.unplaced.push(state);
    }
  }
}
