// Takes a run of added lines ('+' lines) out of a chunk of git's patch output with
// WebAssembly SIMD: 16 bytes at a time searched for the newline and copied without the '+'
// markers. In JavaScript each line costs two native calls (a newline search and a move),
// ~40 ns whatever its length, and most lines of a history are short: that was most of a
// history scan's parsing time. The module is a few hundred bytes, assembled below.

import { I32, V128, bump, cat, instantiate, moduleOf, op, vec } from '../scan/wasmAssembly.js';

/** Largest chunk the kernel takes; longer ones are parsed in JavaScript. */
export const KERNEL_CAPACITY = 256 * 1024;
/** Where in the kernel's memory the lines come out (the chunk goes at 0). */
export const KERNEL_OUT = KERNEL_CAPACITY;
/** The last 16-byte store of a line may run up to 15 bytes past the line. */
const SLACK = 64;
const PAGES = Math.ceil((2 * KERNEL_CAPACITY + SLACK) / 65536);

export interface AddedRunKernel {
  /** The kernel's memory: the chunk goes at 0, the lines come out at KERNEL_OUT. */
  readonly bytes: Uint8Array;
  /** The chunk now in `bytes`, if any: a chunk is copied in once, for all its runs. */
  loaded: Uint8Array | undefined;
  /**
   * From the '+' at `start`, takes complete '+' lines (at most `maxLines`) before `end`;
   * returns how many, where they end, and the end of their text from KERNEL_OUT (each line
   * followed by '\n').
   */
  take(start: number, end: number, maxLines: number): [lines: number, next: number, outEnd: number];
}

let kernel: AddedRunKernel | null | undefined;

/** The kernel, or undefined where WebAssembly SIMD is unavailable. */
export function addedRunKernel(): AddedRunKernel | undefined {
  if (kernel === undefined) kernel = instantiateKernel();
  return kernel ?? undefined;
}

interface Exports {
  take: (s: number, e: number, max: number, out: number) => number[];
  mem: { buffer: ArrayBuffer };
}

function instantiateKernel(): AddedRunKernel | null {
  const exports = instantiate<Exports>(moduleBytes());
  if (!exports) return null;
  return {
    bytes: new Uint8Array(exports.mem.buffer),
    loaded: undefined,
    take: (start, end, maxLines) => exports.take(start, end, maxLines, KERNEL_OUT) as [number, number, number],
  };
}

// --- The module ---------------------------------------------------------------------------

const PLUS = 43;
const NL = 10;

// Locals of take(): the four parameters, then its own.
const START = 0;
const END = 1;
const MAX_LINES = 2;
const OUT_AT = 3;
const POS = 4;
const LINES = 5;
const Q = 6;
const O = 7;
const LINE_OUT = 8;
const MASK = 9;
const BYTE = 10;
const VEC = 11;

function takeBody(): number[] {
  // Branch depths are counted from the innermost block: the comments name each level.
  return cat(
    op.get(START), op.set(POS),
    op.get(OUT_AT), op.set(O),
    op.block, // done
    op.loop, // line
    op.get(POS), op.get(END), op.geU, op.brIf(1),
    op.get(POS), op.load8(), op.const(PLUS), op.ne, op.brIf(1),
    op.get(LINES), op.get(MAX_LINES), op.geU, op.brIf(1),
    op.get(POS), op.const(1), op.add, op.set(Q),
    op.get(O), op.set(LINE_OUT),
    op.block, // found
    op.block, // notFound
    op.loop, // scan
    op.get(Q), op.const(16), op.add, op.get(END), op.leU,
    op.if, // 16 bytes left: store them all, then see whether the newline was among them
    op.get(O), op.get(Q), op.v128Load, op.tee(VEC), op.v128Store,
    op.get(VEC), op.const(NL), op.splat8, op.eq8, op.bitmask8, op.tee(MASK),
    op.eqz,
    op.if,
    bump(Q, 16), bump(O, 16), op.br(2), // scan
    op.end,
    op.get(MASK), op.ctz, op.set(MASK),
    bump(Q, op.get(MASK)), bump(O, op.get(MASK)),
    op.br(3), // found
    op.else, // the chunk's last bytes, one at a time
    op.get(Q), op.get(END), op.geU, op.brIf(2), // notFound
    op.get(Q), op.load8(), op.tee(BYTE), op.const(NL), op.eq, op.brIf(3), // found
    op.get(O), op.get(BYTE), op.store8(),
    bump(Q, 1), bump(O, 1), op.br(1), // scan
    op.end, // if
    op.end, // scan
    op.end, // notFound: the line does not end in this chunk, so the run ends before it
    op.get(LINE_OUT), op.set(O), op.br(2), // done
    op.end, // found: Q is at the newline
    op.get(O), op.const(NL), op.store8(),
    bump(O, 1), bump(LINES, 1),
    op.get(Q), op.const(1), op.add, op.set(POS),
    op.br(0), // line
    op.end, // line
    op.end, // done
    op.get(LINES), op.get(POS), op.get(O),
    op.end,
  );
}

function moduleBytes(): Uint8Array {
  return moduleOf(4, 3, PAGES, [['take', cat(vec([[7, I32], [1, V128]]), takeBody())]]);
}
