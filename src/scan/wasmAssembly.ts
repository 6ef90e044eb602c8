// The few pieces of the WebAssembly binary format the project's hand-assembled kernels need
// (no toolchain, no downloaded binaries): opcodes as byte arrays, LEB128 numbers, sections
// and vectors. A kernel's function body is the concatenation of these arrays.
//
// Joined with cat/emit, not spread syntax: every CLI run assembles its kernels cold, where a
// spread (`[0x28, 2, ...uleb(n)]`, `code.push(...op.get(x))`) cost 1-3 µs, and the keyword
// kernel's 4 KB took ~1,500 of them: 3-4 ms of start-up.

/** A byte, or bytes in order. */
export type Piece = number | ArrayLike<number>;

/** The pieces' bytes in one array. */
export function cat(...pieces: Piece[]): number[] {
  const out: number[] = [];
  emit(out, ...pieces);
  return out;
}

/** Appends the pieces' bytes to `code`. */
export function emit(code: number[], ...pieces: Piece[]): void {
  for (const p of pieces) {
    if (typeof p === 'number') code.push(p);
    else for (let i = 0; i < p.length; i++) code.push(p[i]);
  }
}

export const I32 = 0x7f;
export const V128 = 0x7b;
export const VOID = 0x40;

export const op = {
  block: [0x02, VOID],
  loop: [0x03, VOID],
  if: [0x04, VOID],
  else: [0x05],
  end: [0x0b],
  br: (depth: number) => [0x0c, depth],
  brIf: (depth: number) => [0x0d, depth],
  return: [0x0f],
  get: (local: number) => cat(0x20, uleb(local)),
  set: (local: number) => cat(0x21, uleb(local)),
  tee: (local: number) => cat(0x22, uleb(local)),
  const: (n: number) => cat(0x41, sleb(n)),
  /** Loads and stores: the alignment hint, then a constant added to the address. */
  load: (offset = 0) => cat(0x28, 2, uleb(offset)),
  load8: (offset = 0) => cat(0x2d, 0, uleb(offset)),
  load16: (offset = 0) => cat(0x2f, 1, uleb(offset)),
  store: (offset = 0) => cat(0x36, 2, uleb(offset)),
  store8: (offset = 0) => cat(0x3a, 0, uleb(offset)),
  eqz: [0x45],
  eq: [0x46],
  ne: [0x47],
  ltU: [0x49],
  leU: [0x4d],
  geU: [0x4f],
  ctz: [0x68],
  add: [0x6a],
  sub: [0x6b],
  or: [0x72],
  shl: [0x74],
  shrU: [0x76],
  v128Load: [0xfd, 0x00, 0, 0],
  v128Store: [0xfd, 0x0b, 0, 0],
  splat8: [0xfd, 0x0f],
  eq8: [0xfd, 0x23],
  bitmask8: [0xfd, 0x64],
  /** i32x4.extend_low_i16x8_u, extend_high_i16x8_u, shl */
  extendLow16: [0xfd, 0xa9, 0x01],
  extendHigh16: [0xfd, 0xaa, 0x01],
  shl32x4: [0xfd, 0xab, 0x01],
  v128StoreAt: (offset: number) => cat(0xfd, 0x0b, 4, uleb(offset)),
};

/** local += n */
export const bump = (local: number, n: number | number[]): number[] => cat(op.get(local), typeof n === 'number' ? op.const(n) : n, op.add, op.set(local));

export function section(id: number, content: number[]): number[] {
  return cat(id, uleb(content.length), content);
}

/** A vector: its length, then its items' bytes (concat: flat() took ~0.3 µs an element, cold). */
export function vec(items: number[][]): number[] {
  return uleb(items.length).concat(...items);
}

/** A name as the format spells it (length, then the bytes). */
export const name = (s: string): number[] => cat(s.length, Buffer.from(s, 'latin1'));

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** The module header: magic and version. */
export const HEADER = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

/**
 * A module whose functions share one type (`params` i32 in, `results` i32 out), exported under
 * their names in order, with its memory of `pages` 64 KB pages exported as `mem`. A body is
 * its locals' vector, then its code.
 */
export function moduleOf(params: number, results: number, pages: number, fns: Array<[string, number[]]>): Uint8Array {
  const i32s = (n: number): number[] => vec(Array.from({ length: n }, () => [I32]));
  return new Uint8Array(cat(
    HEADER,
    section(1, vec([cat(0x60, i32s(params), i32s(results))])),
    section(3, vec(fns.map(() => [0]))),
    section(5, vec([cat(0x00, uleb(pages))])),
    section(7, vec(fns.map(([fn], i) => cat(name(fn), 0x00, uleb(i))).concat([cat(name('mem'), 0x02, 0)]))),
    section(10, vec(fns.map(([, body]) => cat(uleb(body.length), body)))),
  ));
}

/** The little of the WebAssembly API used here (the project's TypeScript libraries leave it out). */
interface Wasm {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
}

/** The module's exports, or undefined where WebAssembly, or a feature the module uses (SIMD), is missing. */
export function instantiate<E>(bytes: Uint8Array): E | undefined {
  const wasm = (globalThis as unknown as { WebAssembly?: Wasm }).WebAssembly;
  if (!wasm) return undefined;
  try {
    return new wasm.Instance(new wasm.Module(bytes)).exports as E;
  } catch {
    return undefined;
  }
}
