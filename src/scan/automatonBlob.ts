// The keyword automaton's tables as one binary blob (see KeywordPrefilter.serialize), so a
// run can install the automaton built for the built-in rules at build time instead of
// building it (~20 ms of a short run's start-up). The blob carries its format version and a
// fingerprint of the exact keyword list: tables built for other keywords are refused.
//
// Layout (32-bit words in the platform's byte order: a blob from a machine of the other
// order fails the magic and is refused): a header of HEADER_WORDS words, then the class
// table (256 bytes), the transition table (16- or 32-bit entries, padded to 4 bytes), then
// outStart, outIds and outLength (32-bit), then the magic again, which a truncated blob lacks.

/** Bump when build() or the keyword folding changes what the tables hold. */
export const AUTOMATON_VERSION = 1;
const MAGIC = 0x4341574b; // 'KWAC' read as a little-endian word
const HEADER_WORDS = 12;

export interface AutomatonTables {
  /** keywordsFingerprint of the keywords the tables were built for, and how many. */
  fingerprint: string;
  keywords: number;
  cls: Uint8Array;
  shift: number;
  firstOut: number;
  delta: Uint16Array | Uint32Array;
  outStart: Int32Array;
  outIds: Int32Array;
  outLength: Int32Array;
}

/** 64-bit FNV-1a of the keywords' UTF-8 bytes joined with NUL, as 16 hex digits. */
export function keywordsFingerprint(keywords: readonly string[]): string {
  const bytes = Buffer.from(keywords.join('\0'));
  // The 64-bit state as two 32-bit halves; the prime is 2^40 + 435.
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (let i = 0; i < bytes.length; i++) {
    lo = (lo ^ bytes[i]) >>> 0;
    const low = lo * 435;
    hi = (Math.imul(hi, 435) + (lo << 8) + Math.floor(low / 0x100000000)) >>> 0;
    lo = low >>> 0;
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

const pad4 = (n: number): number => (n + 3) & ~3;

interface Sizes {
  deltaBytes: number;
  total: number;
}

function sizes(entryBytes: number, deltaLength: number, outCount: number, outIdsLength: number): Sizes {
  const deltaBytes = pad4(entryBytes * deltaLength);
  return { deltaBytes, total: 4 * HEADER_WORDS + 256 + deltaBytes + 4 * (outCount + 1 + outIdsLength + outCount) + 4 };
}

export function writeAutomaton(t: AutomatonTables): Uint8Array {
  const entry = t.delta.BYTES_PER_ELEMENT;
  const outCount = t.outLength.length;
  const { deltaBytes, total } = sizes(entry, t.delta.length, outCount, t.outIds.length);
  const blob = new Uint8Array(total);
  const words = new Uint32Array(blob.buffer);
  words.set([MAGIC, AUTOMATON_VERSION, parseInt(t.fingerprint.slice(0, 8), 16), parseInt(t.fingerprint.slice(8), 16), t.keywords, t.shift, t.firstOut, entry, t.delta.length, outCount, t.outIds.length, total]);
  let at = 4 * HEADER_WORDS;
  blob.set(t.cls, at);
  at += 256;
  blob.set(new Uint8Array(t.delta.buffer, t.delta.byteOffset, t.delta.byteLength), at);
  at += deltaBytes;
  for (const a of [t.outStart, t.outIds, t.outLength]) {
    words.set(a, at >> 2);
    at += 4 * a.length;
  }
  words[at >> 2] = MAGIC;
  return blob;
}

/**
 * The tables in `blob` if it is whole and was written by format `version` for keywords with
 * this fingerprint and count; else undefined. The checks are structural (sizes, offsets, ids
 * in range), not a checksum of the transition table: the blob is written atomically next to
 * the compiled code, so truncation is the failure it meets, and a truncated blob is refused.
 * The tables are views into the blob (copied first if it is not 4-byte aligned).
 */
export function readAutomaton(blob: Uint8Array, version: number, fingerprint: string, keywords: number, longest: number): AutomatonTables | undefined {
  if (blob.byteLength < 4 * HEADER_WORDS + 256 + 4) return undefined;
  const b = blob.byteOffset % 4 === 0 ? blob : new Uint8Array(blob);
  const head = new Uint32Array(b.buffer, b.byteOffset, HEADER_WORDS);
  const [magic, v, fpHi, fpLo, count, shift, firstOut, entry, deltaLength, outCount, outIdsLength, total] = head;
  if (magic !== MAGIC || v !== version || count !== keywords) return undefined;
  if (fpHi.toString(16).padStart(8, '0') + fpLo.toString(16).padStart(8, '0') !== fingerprint) return undefined;
  if (shift < 1 || shift > 16 || (entry !== 2 && entry !== 4) || deltaLength % (1 << shift) !== 0) return undefined;
  const states = deltaLength >>> shift;
  if ((entry === 2) !== states <= 0x10000 || firstOut < 1 || firstOut > states || outCount !== states - firstOut) return undefined;
  const { deltaBytes, total: expected } = sizes(entry, deltaLength, outCount, outIdsLength);
  if (total !== expected || b.byteLength !== expected) return undefined;
  let at = b.byteOffset + 4 * HEADER_WORDS;
  const cls = new Uint8Array(b.buffer, at, 256);
  at += 256;
  const delta = entry === 2 ? new Uint16Array(b.buffer, at, deltaLength) : new Uint32Array(b.buffer, at, deltaLength);
  at += deltaBytes;
  const outStart = new Int32Array(b.buffer, at, outCount + 1);
  at += 4 * (outCount + 1);
  const outIds = new Int32Array(b.buffer, at, outIdsLength);
  at += 4 * outIdsLength;
  const outLength = new Int32Array(b.buffer, at, outCount);
  at += 4 * outCount;
  if (new Uint32Array(b.buffer, at, 1)[0] !== MAGIC) return undefined;
  // The small tables are checked whole: every index the scanner derives from them in range.
  const width = 1 << shift;
  for (let c = 0; c < 256; c++) if (cls[c] >= width) return undefined;
  if (outStart[0] !== 0 || outStart[outCount] !== outIdsLength) return undefined;
  for (let o = 0; o < outCount; o++) {
    if (outStart[o + 1] < outStart[o] || outLength[o] < 1 || outLength[o] > longest) return undefined;
  }
  for (let i = 0; i < outIdsLength; i++) if (outIds[i] < 0 || outIds[i] >= keywords) return undefined;
  return { fingerprint, keywords, cls, shift, firstOut, delta, outStart, outIds, outLength };
}
