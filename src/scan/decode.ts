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

const MIN_BASE64 = 24;
const MIN_HEX = 32;
const MIN_PERCENT_ESCAPES = 3;

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

export function findEncoded(bytes: Buffer, limits: DecodeLimits): EncodedSegment[] {
  const out: EncodedSegment[] = [];
  let budget = limits.maxDecodedBytes;
  const emit = (start: number, end: number, codec: Codec, decoded: Buffer): boolean => {
    if (!looksLikeText(decoded)) return true;
    out.push({ start, end, codec, decoded });
    budget -= decoded.length;
    return out.length < limits.maxSegments && budget > 0;
  };

  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const cls = CLASS[bytes[i]];
    if ((cls & (B64 | B64URL | URLCH)) === 0) {
      i++;
      continue;
    }
    // A run of URL-ish characters contains any base64/hex run as well; walk it once.
    const runStart = i;
    let escapes = 0;
    let b64Start = -1;
    let allHex = true;
    let hasDigit = false;
    let keepGoing = true;
    for (; i <= n && keepGoing; i++) {
      const c = i < n ? CLASS[bytes[i]] : 0;
      const inB64 = (c & (B64 | B64URL)) !== 0;
      if (inB64) {
        if (b64Start < 0) {
          b64Start = i;
          allHex = true;
          hasDigit = false;
        }
        if ((c & HEX) === 0) allHex = false;
        if (c & DIGIT) hasDigit = true;
        continue;
      }
      if (b64Start >= 0) {
        let end = i;
        while (end < n && bytes[end] === 61 && end - i < 2) end++; // '=' padding
        const len = i - b64Start;
        if (allHex && len >= MIN_HEX && len % 2 === 0) {
          keepGoing = emit(b64Start, i, 'hex', Buffer.from(bytes.toString('latin1', b64Start, i), 'hex'));
        } else if (len >= MIN_BASE64 && hasDigit && len % 4 !== 1 && budget > 0) {
          keepGoing = emit(b64Start, end, 'base64', Buffer.from(bytes.toString('latin1', b64Start, end), 'base64'));
        }
        b64Start = -1;
      }
      if (i < n && bytes[i] === 37 && i + 2 < n && CLASS[bytes[i + 1]] & HEX && CLASS[bytes[i + 2]] & HEX) escapes++;
      if ((c & URLCH) === 0) break;
    }
    if (keepGoing && escapes >= MIN_PERCENT_ESCAPES) {
      keepGoing = emit(runStart, i, 'percent', decodePercent(bytes, runStart, i));
    }
    if (!keepGoing) break;
    i++;
  }
  return out;
}
