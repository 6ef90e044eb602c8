// The key service's token format, shared by the service (which issues tokens) and the
// scanner (whose rule verifies the checksum offline, so random look-alikes don't match).
//
//   kwsk_live_<30 base62 random><6 base62 CRC32 of everything before>
//
// Pure: no I/O. Randomness is injected so that tests and examples can be deterministic.
import { randomInt } from 'node:crypto';
import type * as Zlib from 'node:zlib';

// node:zlib is loaded on the first checksum, not at import: the scanner imports this module,
// and a clean pre-commit scan checks no token (loading zlib cost the hook ~1 ms).
let zlib: typeof Zlib | undefined;

/** zlib's CRC-32 of the UTF-8 text. */
export function crc32(text: string): number {
  zlib ??= process.getBuiltinModule('node:zlib');
  return zlib.crc32(text);
}

export type KeyVisibility = 'public' | 'secret';
export type KeyMode = 'test' | 'live';

export const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
export const RANDOM_LENGTH = 30;
export const CHECKSUM_LENGTH = 6;
const PREFIX_BY_VISIBILITY: Record<KeyVisibility, string> = { public: 'kwpk_', secret: 'kwsk_' };
/** Length of `kwsk_live_`. */
export const HEADER_LENGTH = 10;
export const TOKEN_LENGTH = HEADER_LENGTH + RANDOM_LENGTH + CHECKSUM_LENGTH;

/** Matches a well-formed token (checksum not verified); anchored. */
export const TOKEN_PATTERN = /^kw(pk|sk)_(test|live)_[0-9A-Za-z]{36}$/;

export interface ParsedToken {
  visibility: KeyVisibility;
  mode: KeyMode;
  random: string;
  checksum: string;
}

/** CRC32 rendered as exactly 6 base62 digits, most significant first (2^32 < 62^6). */
export function checksumOf(body: string): string {
  let value = crc32(body);
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = BASE62[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

export function tokenHeader(visibility: KeyVisibility, mode: KeyMode): string {
  return `${PREFIX_BY_VISIBILITY[visibility]}${mode}_`;
}

export function randomBase62(length: number, pick: (max: number) => number = randomInt): string {
  let out = '';
  for (let i = 0; i < length; i++) out += BASE62[pick(62)];
  return out;
}

/** Builds a token from a given random part (tests, examples) or fresh CSPRNG output. */
export function formatToken(visibility: KeyVisibility, mode: KeyMode, random: string = randomBase62(RANDOM_LENGTH)): string {
  if (random.length !== RANDOM_LENGTH || !/^[0-9A-Za-z]+$/.test(random)) {
    throw new Error(`token random part must be ${RANDOM_LENGTH} base62 characters`);
  }
  const body = tokenHeader(visibility, mode) + random;
  return body + checksumOf(body);
}

/** Parses a token and verifies its checksum; returns null for anything that is not one of ours. */
export function parseToken(token: string): ParsedToken | null {
  const m = TOKEN_PATTERN.exec(token);
  if (!m) return null;
  const body = token.slice(0, HEADER_LENGTH + RANDOM_LENGTH);
  const checksum = token.slice(HEADER_LENGTH + RANDOM_LENGTH);
  if (checksumOf(body) !== checksum) return null;
  return {
    visibility: m[1] === 'pk' ? 'public' : 'secret',
    mode: m[2] as KeyMode,
    random: body.slice(HEADER_LENGTH),
    checksum,
  };
}

export function isValidToken(token: string): boolean {
  return parseToken(token) !== null;
}
