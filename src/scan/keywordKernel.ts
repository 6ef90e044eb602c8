// The keyword automaton's pass in WebAssembly: the same transition table stepped over the
// fragment's bytes by several streams in one loop (each over its part, starting longest-1
// bytes early), each stream writing the (end, state) of its hits to arrays in the module's
// memory; the streams' hits, one after the other, are the whole pass's in order. It takes
// ~1.1 ns a byte where the JavaScript loop takes ~2.3 (figures in keywordPrefilter.ts):
// JavaScript gained nothing past two streams; the wasm loop keeps five states in registers,
// and a state is its row's byte offset, so a step is a class load, an OR and a table load.
//
// Memory layout (fixed offsets, so each access is an immediate): the class table at 0 (each
// column times 4), the streams' states and hit counts at CTRL, each stream's hit ends and
// states at OUT, the transition table (32-bit) at DELTA, then the fragment (with a few bytes
// of padding either side).

import { I32, bump, cat, emit, instantiate, moduleOf, op, uleb, vec } from './wasmAssembly.js';

/** Hits a stream keeps; one more means the fragment has more than the caller keeps (it falls back). */
export const STREAM_CAP = (1 << 16) + 1;
const CTRL = 512;
const OUT = 1024;
const OUT_BYTES = 4 * STREAM_CAP;
/** Stream counts a module is assembled for. */
export const STREAM_COUNTS = [1, 2, 3, 4, 5, 6] as const;
export type StreamCount = (typeof STREAM_COUNTS)[number];
const MAX_STREAMS = 6;
const DELTA = OUT + 2 * MAX_STREAMS * OUT_BYTES;
const PAGE = 65536;

/** Where stream r's hit ends (Int32) and states (Int32) are. */
const endsAt = (r: number): number => OUT + 2 * r * OUT_BYTES;
const statesAt = (r: number): number => endsAt(r) + OUT_BYTES;

interface Exports {
  mem: { buffer: ArrayBuffer; grow(pages: number): number };
  [fn: string]: unknown;
}
type Step = (p: number, end: number, base: number, firstOut: number, shift: number, stride: number) => number;

/** The automaton as the JavaScript pass holds it. */
export interface Automaton {
  cls: Uint8Array;
  delta: Uint16Array;
  shift: number;
  firstOut: number;
  longest: number;
}

export class KeywordKernel {
  private readonly exports: Exports;
  private readonly roll: Record<number, Step> = {};
  private readonly step: Record<number, Step> = {};
  private data = 0;
  /** A byte of class 0: from any state it leads to the root, so it can pad the fragment. */
  private pad = -1;
  private a!: Automaton;
  private streams = 1;
  private u8 = new Uint8Array(0);
  private i32 = new Int32Array(0);

  private constructor(exports: Exports) {
    this.exports = exports;
    for (const k of STREAM_COUNTS) {
      this.roll[k] = exports[`roll${k}`] as Step;
      this.step[k] = exports[`step${k}`] as Step;
    }
  }

  /** A kernel holding the automaton, or undefined (no WebAssembly, a table too wide, no padding byte). */
  static load(a: Automaton): KeywordKernel | undefined {
    const pad = a.cls.indexOf(0);
    if (pad < 0) return undefined;
    // A column times 4 (a byte offset in a row) fits the byte-wide class table up to 64 columns.
    const wide = a.shift > 6;
    const exports = instantiate<Exports>(moduleBytes(wide));
    if (!exports) return undefined;
    const kernel = new KeywordKernel(exports);
    try {
      kernel.reserve(DELTA + 6 * a.delta.length + a.longest + 64);
    } catch {
      return undefined;
    }
    kernel.a = a;
    kernel.pad = pad;
    const classes = wide ? new Uint16Array(kernel.u8.buffer, 0, 256) : kernel.u8;
    for (let b = 0; b < 256; b++) classes[b] = a.cls[b] << 2;
    // States are kept as their row's byte offset in a table of 32-bit entries: a step is then
    // one OR and one load. The 16-bit table goes in past it and is widened by the module.
    const data = DELTA + 4 * a.delta.length;
    new Uint16Array(kernel.u8.buffer, data, a.delta.length).set(a.delta);
    (kernel.exports.widen as Step)(data, data + 2 * a.delta.length, DELTA, 0, a.shift + 2, 0);
    kernel.data = data;
    // Padding before the fragment: the first stream starts there like the others.
    kernel.u8.fill(pad, kernel.data, kernel.data + a.longest);
    return kernel;
  }

  /** Memory up to `bytes`, or throws; the views are made again after growing (it detaches the old buffer). */
  private reserve(bytes: number): void {
    if (bytes <= this.u8.length) return;
    const mem = this.exports.mem;
    const have = mem.buffer.byteLength;
    if (bytes > have) mem.grow(Math.ceil((bytes - have) / PAGE));
    this.u8 = new Uint8Array(mem.buffer);
    this.i32 = new Int32Array(mem.buffer);
  }

  /**
   * Finds every keyword hit of `bytes`, `streams` streams at a time, and returns how many
   * (read them with copyHits), or -1 when the fragment has more than STREAM_CAP - 1 hits (or
   * memory could not grow): the caller's own pass then keeps the positions it can.
   */
  scan(bytes: Uint8Array, streams: StreamCount): number {
    const { shift, firstOut, longest } = this.a;
    const n = bytes.length;
    // As many streams as asked for, each over at least as many bytes as it rolls over first.
    let k: StreamCount = streams;
    while (k > 1 && n < k * longest) k = (k - 1) as StreamCount;
    this.streams = k;
    const stride = Math.ceil(n / k);
    const before = longest - 1;
    const base = this.data + before;
    try {
      this.reserve(base + k * stride + 16);
    } catch {
      return -1;
    }
    const { u8, i32 } = this;
    u8.set(bytes, base);
    for (let i = base + n; i <= base + k * stride; i++) u8[i] = this.pad;
    // Each stream starts longest-1 bytes before its part, from the root, so it is in the state
    // the whole pass would be in when its part begins (no keyword is longer).
    this.roll[k](base - before, base, base, firstOut << (shift + 2), shift + 2, stride);
    if (this.step[k](base, base + stride, base, firstOut << (shift + 2), shift + 2, stride) !== 0) return -1;
    let count = 0;
    for (let r = 0; r < k; r++) count += i32[(CTRL >> 2) + 2 * r + 1];
    return count;
  }

  /** The last scan's hits, in end order, into ends and states (which must hold them). */
  copyHits(ends: Int32Array, states: Int32Array): void {
    const i32 = this.i32;
    let at = 0;
    for (let r = 0; r < this.streams; r++) {
      const c = i32[(CTRL >> 2) + 2 * r + 1];
      if (c === 0) continue;
      ends.set(i32.subarray(endsAt(r) >> 2, (endsAt(r) >> 2) + c), at);
      states.set(i32.subarray(statesAt(r) >> 2, (statesAt(r) >> 2) + c), at);
      at += c;
    }
  }
}

// --- The module ---------------------------------------------------------------------------

// Locals: the parameters, then per stream its state and its hit count, then per stream the
// distance from stream 0's byte to its own, then whether a stream's hits overflowed.
const P = 0;
const END = 1;
const BASE = 2;
const FIRST_OUT = 3;
const SHIFT = 4;
const STRIDE = 5;
const PARAMS = 6;
const state = (r: number): number => PARAMS + r;
const count = (k: number, r: number): number => PARAMS + k + r;
const offset = (k: number, r: number): number => PARAMS + 2 * k + r;
const over = (k: number): number => PARAMS + 3 * k;

/**
 * The 16-bit table from P to END, each state shifted left by SHIFT, into 32-bit entries from
 * BASE, eight at a time with SIMD (once per automaton, but a scalar loop took ~4 ms cold for
 * 0.9M entries). A last part-group reads past P's table and writes past BASE's, into bytes
 * the fragment overwrites later. (Where SIMD is missing the module does not compile: the
 * JavaScript pass runs.)
 */
function widenBody(): number[] {
  const half = (extend: number[], at: number): number[] => cat(op.get(BASE), op.get(P), op.v128Load, extend, op.get(SHIFT), op.shl32x4, op.v128StoreAt(at));
  return cat(
    0, // no locals
    op.block, op.loop,
    op.get(P), op.get(END), op.geU, op.brIf(1),
    half(op.extendLow16, 0), half(op.extendHigh16, 16),
    bump(P, 16), bump(BASE, 32), op.br(0),
    op.end, op.end,
    op.const(0), op.end,
  );
}

/**
 * Steps `k` streams from byte P (stream r at P + r * STRIDE) to END, keeping hits if `keep`.
 * States are row offsets (SHIFT: log2 of a row's bytes); a state from FIRST_OUT on ends a keyword.
 */
function stepBody(k: number, keep: boolean, wide: boolean): number[] {
  const code: number[] = [];
  for (let r = 0; r < k; r++) {
    // Rolling starts every stream at the root with no hits; stepping goes on from there.
    if (keep) {
      emit(code, op.const(0), op.load(CTRL + 8 * r), op.set(state(r)));
      emit(code, op.const(0), op.load(CTRL + 8 * r + 4), op.set(count(k, r)));
    }
    emit(code, op.get(STRIDE), op.const(r), [0x6c] /* i32.mul */, op.set(offset(k, r)));
  }
  emit(code, op.block); // out
  emit(code, op.get(P), op.get(END), op.geU, op.brIf(0));
  emit(code, op.loop); // byte
  for (let r = 0; r < k; r++) {
    // state = delta[state | class[byte]]
    emit(code, op.get(state(r)));
    emit(code, op.get(P), (r > 0 ? cat(op.get(offset(k, r)), op.add) : []), op.load8());
    emit(code, (wide ? cat(op.const(1), op.shl, op.load16()) : op.load8()));
    emit(code, op.or, op.load(DELTA), op.set(state(r)));
    if (!keep) continue;
    emit(code, op.get(state(r)), op.get(FIRST_OUT), op.geU, op.if);
    emit(code, op.get(count(k, r)), op.const(2), op.shl);
    emit(code, op.get(P), (r > 0 ? cat(op.get(offset(k, r)), op.add) : []), op.get(BASE), op.sub, op.store(endsAt(r)));
    emit(code, op.get(count(k, r)), op.const(2), op.shl, op.get(state(r)), op.get(SHIFT), op.shrU, op.store(statesAt(r)));
    emit(code, bump(count(k, r), 1));
    // A full array: stop (depths: if 0, loop 1, block 2).
    emit(code, op.get(count(k, r)), op.const(STREAM_CAP), op.eq, op.if, op.const(1), op.set(over(k)), op.br(3), op.end);
    emit(code, op.end);
  }
  emit(code, bump(P, 1), op.get(P), op.get(END), op.ltU, op.brIf(0));
  emit(code, op.end, op.end);
  for (let r = 0; r < k; r++) {
    emit(code, op.const(0), op.get(state(r)), op.store(CTRL + 8 * r));
    emit(code, op.const(0), op.get(count(k, r)), op.store(CTRL + 8 * r + 4));
  }
  emit(code, op.get(over(k)), op.end);
  return cat(vec([cat(uleb(3 * k + 1), I32)]), code);
}

function moduleBytes(wide: boolean): Uint8Array {
  const fns: Array<[string, number[]]> = [['widen', widenBody()]];
  for (const k of STREAM_COUNTS) {
    fns.push([`roll${k}`, stepBody(k, false, wide)]);
    fns.push([`step${k}`, stepBody(k, true, wide)]);
  }
  return moduleOf(PARAMS, 1, Math.ceil(DELTA / PAGE) + 1, fns);
}
