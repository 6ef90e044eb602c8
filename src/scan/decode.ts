// Finds base64, hex and percent-encoded stretches whose decoded bytes are text, so the
// scanner can look for secrets inside them. One byte-class pass (no regex, no per-match
// allocation for the common non-candidate runs); bounded by segment count and bytes.

export type Codec = 'base64' | 'hex' | 'percent';

export interface EncodedSegment {
  /** Byte offsets of the encoded text in the scanned bytes. */
  start: number;
  end: number;
  codec: Codec;
  decoded: Buffer;
}

export interface DecodeLimits {
  maxSegments: number;
  maxDecodedBytes: number;
}

const B64 = 1; // A-Z a-z 0-9 + /
const B64URL = 2; // - _
const HEX = 4;
const URLCH = 8; // characters that can sit in a percent-encoded run
const DIGIT = 16;

const CLASS = new Uint8Array(256);
for (let b = 0; b < 256; b++) {
  const c = String.fromCharCode(b);
  if (/[A-Za-z0-9+/]/.test(c)) CLASS[b] |= B64;
  if (c === '-' || c === '_') CLASS[b] |= B64URL;
  if (/[0-9a-fA-F]/.test(c)) CLASS[b] |= HEX;
  if (/[0-9]/.test(c)) CLASS[b] |= DIGIT;
  if (b > 32 && b < 127 && !`"'\`<>\\ `.includes(c)) CLASS[b] |= URLCH;
}

const MIN_BASE64 = 24; // at least 8: base64Runs reads its window in blocks of eight
const MIN_HEX = 32;
const MIN_PERCENT_ESCAPES = 3;
/** How far into a base64 run a separator may end what was glued before the encoded text. */
const SEPARATOR_REACH = 64;

/** Mostly printable ASCII text (what an encoded config line or token decodes to). */
function looksLikeText(b: Buffer): boolean {
  if (b.length < 12) return false;
  let bad = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i];
    if ((c < 32 && c !== 9 && c !== 10 && c !== 13) || c > 126) bad++;
  }
  return bad <= b.length * 0.05;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 65 && c <= 70) return c - 55;
  return c - 87;
}

function decodePercent(bytes: Uint8Array, start: number, end: number): Buffer {
  const out: number[] = [];
  for (let i = start; i < end; i++) {
    const c = bytes[i];
    if (c === 37 && i + 2 < end && CLASS[bytes[i + 1]] & HEX && CLASS[bytes[i + 2]] & HEX) {
      out.push(hexValue(bytes[i + 1]) * 16 + hexValue(bytes[i + 2]));
      i += 2;
    } else out.push(c === 43 ? 32 : c);
  }
  return Buffer.from(out);
}

// Cheap checks before decoding, from the encodings' structure: in base64 of ASCII text the
// first character of every 4-character group carries a byte's top 6 bits, so it is one of
// I-Z a-f (bytes 0x20-0x7f) or C-D (tab, newline, carriage return); in hex of text every
// byte's first digit is 0-7. Identifiers and random tokens fail this within a few groups.
const B64_TEXT_LEAD = new Uint8Array(256);
for (const c of 'IJKLMNOPQRSTUVWXYZabcdefCD') B64_TEXT_LEAD[c.charCodeAt(0)] = 1;

function mayBeTextBase64(bytes: Uint8Array, start: number, end: number): boolean {
  let misses = 0;
  const groups = Math.ceil((end - start) / 4);
  for (let k = start; k < end; k += 4) if (B64_TEXT_LEAD[bytes[k]] === 0 && ++misses > groups * 0.05 + 1) return false;
  return true;
}

function mayBeTextHex(bytes: Uint8Array, start: number, end: number): boolean {
  let misses = 0;
  const pairs = (end - start) / 2;
  for (let k = start; k < end; k += 2) if ((bytes[k] < 48 || bytes[k] > 55) && ++misses > pairs * 0.05 + 1) return false;
  return true;
}

/** Whether every byte in [start, end) has class `bit`. */
function every(bytes: Uint8Array, start: number, end: number, bit: number): boolean {
  for (let k = start; k < end; k++) if ((CLASS[bytes[k]] & bit) === 0) return false;
  return true;
}

/** Whether some byte in [start, end) has class `bit`. */
function some(bytes: Uint8Array, start: number, end: number, bit: number): boolean {
  for (let k = start; k < end; k++) if ((CLASS[bytes[k]] & bit) !== 0) return true;
  return false;
}

function isEscape(bytes: Uint8Array, i: number): boolean {
  return bytes[i] === 37 && i + 2 < bytes.length && (CLASS[bytes[i + 1]] & HEX) !== 0 && (CLASS[bytes[i + 2]] & HEX) !== 0;
}

/** 1 for bytes outside the base64 alphabets (standard and url-safe): runs of the others are the candidates. */
const OUT_RUN = new Uint8Array(256).map((_, b) => ((CLASS[b] & (B64 | B64URL)) === 0 ? 1 : 0));

/**
 * Bit t set when bytes[p + t] is outside the base64 alphabets, for t in 0..7 (the caller keeps
 * p + 7 in bounds). Eight lookups with no branch between them: a byte-at-a-time loop pays a
 * mispredicted branch wherever a word ends, and code is mostly short words.
 */
function outsOf8(bytes: Uint8Array, p: number): number {
  return (
    OUT_RUN[bytes[p]] |
    (OUT_RUN[bytes[p + 1]] << 1) |
    (OUT_RUN[bytes[p + 2]] << 2) |
    (OUT_RUN[bytes[p + 3]] << 3) |
    (OUT_RUN[bytes[p + 4]] << 4) |
    (OUT_RUN[bytes[p + 5]] << 5) |
    (OUT_RUN[bytes[p + 6]] << 6) |
    (OUT_RUN[bytes[p + 7]] << 7)
  );
}

const highestBit = (m: number): number => 31 - Math.clz32(m);
const lowestBit = (m: number): number => 31 - Math.clz32(m & -m);

/**
 * [start, end) pairs of runs of base64-alphabet bytes at least MIN_BASE64 long. The window
 * [low, i] is the next place such a run could sit (bytes[low - 1] is outside the alphabet), always
 * MIN_BASE64 long: its rightmost byte outside the alphabet, looked for from the right eight
 * bytes at a time, moves the window past it; a window with none is a run, widened to its end.
 * On code, where words are short, the first eight bytes decide ~88% of windows (node_modules).
 */
export function base64Runs(bytes: Uint8Array): number[] {
  const out: number[] = [];
  const n = bytes.length;
  let low = 0;
  for (let i = MIN_BASE64 - 1; i < n; ) {
    let k = i - 7;
    let m = outsOf8(bytes, k);
    // The last block may overlap the one before it: those bytes are inside the alphabet already.
    while (m === 0 && k > low) {
      k = Math.max(low, k - 8);
      m = outsOf8(bytes, k);
    }
    if (m !== 0) {
      low = k + highestBit(m) + 1;
      i = low + MIN_BASE64 - 1;
      continue;
    }
    let end = i + 1;
    for (; end + 8 <= n; end += 8) {
      m = outsOf8(bytes, end);
      if (m !== 0) break;
    }
    if (m !== 0) end += lowestBit(m);
    else while (end < n && OUT_RUN[bytes[end]] === 0) end++;
    out.push(low, end);
    low = end + 1;
    i = low + MIN_BASE64 - 1;
  }
  return out;
}

/** Encoded stretches in bytes whose decoded form looks like text. */
export function findEncoded(bytes: Buffer, limits: DecodeLimits): EncodedSegment[] {
  const out: EncodedSegment[] = [];
  let budget = limits.maxDecodedBytes;
  const full = (): boolean => out.length >= limits.maxSegments || budget <= 0;
  const emit = (start: number, end: number, codec: Codec, decoded: Buffer): boolean => {
    if (!looksLikeText(decoded)) return false;
    out.push({ start, end, codec, decoded });
    budget -= decoded.length;
    return true;
  };

  // base64 / hex: only long runs of the base64 alphabets are examined.
  const n = bytes.length;
  /** Decodes bytes[s, i) (and its '=' padding) if it may be base64 of text; whether it was. */
  const tryBase64 = (s: number, i: number): boolean => {
    if (i - s < MIN_BASE64 || (i - s) % 4 === 1 || !mayBeTextBase64(bytes, s, i) || !some(bytes, s, i, DIGIT)) return false;
    let end = i;
    while (end < n && bytes[end] === 61 && end - i < 2) end++; // '=' padding
    return emit(s, end, 'base64', Buffer.from(bytes.toString('latin1', s, end), 'base64'));
  };
  const runs = base64Runs(bytes);
  for (let r = 0; r < runs.length && !full(); r += 2) {
    const start = runs[r];
    const i = runs[r + 1];
    const len = i - start;
    // Cheapest test first, each stopping at its first decisive byte: most runs are identifiers.
    if (len >= MIN_HEX && len % 2 === 0 && every(bytes, start, i, HEX)) {
      if (mayBeTextHex(bytes, start, i)) emit(start, i, 'hex', Buffer.from(bytes.toString('latin1', start, i), 'hex'));
    } else {
      // The alphabet holds '/', '_' and '-', so a run may open with what sits before the
      // encoded text (`token_…`, `…/path/…`) and its 4-character groups start off the blob's.
      // Tried in turn: the run's own start, the three other alignments (from their first
      // group that can open text: the groups before decode to bytes no text holds), then just
      // after each separator in the run's first bytes.
      let found = tryBase64(start, i);
      for (let off = 1; off < 4 && !found; off++) {
        let s = start + off;
        while (s + 4 <= i && B64_TEXT_LEAD[bytes[s]] === 0) s += 4;
        found = tryBase64(s, i);
      }
      for (let p = start + 1, last = Math.min(i - MIN_BASE64, start + SEPARATOR_REACH); p <= last && !found; p++) {
        const c = bytes[p - 1];
        if (c === 47 || c === 95 || c === 45) found = tryBase64(p, i); // '/', '_', '-'
      }
    }
  }

  // percent-encoding: only around '%' characters, found natively.
  for (let p = bytes.indexOf(37); p !== -1 && !full(); ) {
    if (!isEscape(bytes, p)) {
      p = bytes.indexOf(37, p + 1);
      continue;
    }
    let start = p;
    while (start > 0 && (CLASS[bytes[start - 1]] & URLCH) !== 0) start--;
    let end = p;
    let escapes = 0;
    while (end < n && (CLASS[bytes[end]] & URLCH) !== 0) {
      if (isEscape(bytes, end)) escapes++;
      end++;
    }
    if (escapes >= MIN_PERCENT_ESCAPES) emit(start, end, 'percent', decodePercent(bytes, start, end));
    p = end < n ? bytes.indexOf(37, end) : -1;
  }
  return out;
}
