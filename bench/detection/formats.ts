// The provider specs' format mini-language: literal text plus {CHARSET:N} or {CHARSET:N-M},
// and {gen:NAME} for formats with a checksum (a random look-alike would fail the rule's
// validator, and would not be a valid token either).
import { BASE62, checksumOf, formatToken } from '../../src/keyformat/keyFormat.js';
import type { Rng } from './rng.js';

export const CHARSETS: Record<string, string> = {
  alnum: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789',
  lower: 'abcdefghijklmnopqrstuvwxyz',
  upper: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  digit: '0123456789',
  hex: '0123456789abcdef',
  HEX: '0123456789ABCDEF',
  alnumlower: 'abcdefghijklmnopqrstuvwxyz0123456789',
  alnumupper: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789',
  b64: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/',
  b64url: 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-',
};

/** Generators for checksummed formats, from the issuers' published descriptions. */
export const GENERATORS: Record<string, (rng: Rng) => string> = {
  // GitHub: prefix, 30 random base62 characters, then the CRC32 of those 30 in 6 base62 digits
  // (the same rendering as keywarden's own checksum, which covers its header too).
  'github-classic': (rng) => {
    const body = rng.chars(BASE62, 30);
    return `${rng.pick(['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_'])}${body}${checksumOf(body)}`;
  },
  'github-pat': (rng) => {
    const body = rng.chars(BASE62, 30);
    return `ghp_${body}${checksumOf(body)}`;
  },
  // A JWS header as issuers write it (RFC 7515: a JSON object with an alg), base64url: real
  // tokens of JWT-based providers always carry one, where `eyJ` plus random text does not.
  'jwt-header': (rng) => {
    const alg = rng.pick(['HS256', 'RS256', 'ES256']);
    const header = rng.pick([{ alg, typ: 'JWT' }, { typ: 'JWT', alg }, { alg, kid: rng.chars(CHARSETS.hex, 4) }]);
    return Buffer.from(JSON.stringify(header)).toString('base64url');
  },
  // Kubernetes service-account tokens: RS256 with the signing key's id (43 base64url characters).
  'jwt-header-rs256-kid': (rng) => Buffer.from(JSON.stringify({ alg: 'RS256', kid: rng.chars(CHARSETS.b64url, 43) })).toString('base64url'),
  'keywarden-secret-live': (rng) => formatToken('secret', 'live', rng.chars(BASE62, 30)),
  'keywarden-secret-test': (rng) => formatToken('secret', 'test', rng.chars(BASE62, 30)),
  'keywarden-public-live': (rng) => formatToken('public', 'live', rng.chars(BASE62, 30)),
};

export class FormatError extends Error {
  readonly code = 'DETECTION_FORMAT_INVALID';
}

const PLACEHOLDER = /\{(gen:[a-z0-9-]+|[a-zA-Z0-9]+:\d+(?:-\d+)?)\}/g;

/** Checks a format without generating from it; returns what is wrong, or undefined. */
export function formatProblem(format: string): string | undefined {
  for (const m of format.matchAll(PLACEHOLDER)) {
    const [kind, arg] = m[1].split(':');
    if (kind === 'gen') {
      if (!GENERATORS[arg]) return `unknown generator {gen:${arg}} (known: ${Object.keys(GENERATORS).join(', ')}); write literal tokens in "tokens" instead`;
    } else if (!CHARSETS[kind]) return `unknown charset "${kind}" in ${m[0]} (known: ${Object.keys(CHARSETS).join(', ')})`;
    else {
      const [lo, hi] = arg.split('-').map(Number);
      if (hi !== undefined && hi < lo) return `range ${m[0]} runs backwards`;
    }
  }
  return undefined;
}

/** One token from a format. */
export function expandFormat(format: string, rng: Rng): string {
  const problem = formatProblem(format);
  if (problem) throw new FormatError(`format "${format}": ${problem}`);
  return format.replace(PLACEHOLDER, (_, body: string) => {
    const [kind, arg] = body.split(':');
    if (kind === 'gen') return GENERATORS[arg](rng);
    const [lo, hi] = arg.split('-').map(Number);
    return rng.chars(CHARSETS[kind], hi === undefined ? lo : rng.range(lo, hi));
  });
}

/** The literal text before the first placeholder: a token's documented prefix, if any. */
export function literalPrefix(format: string): string {
  if (format.startsWith('{gen:')) return 'gen';
  const i = format.indexOf('{');
  return i < 0 ? format : format.slice(0, i);
}
