import { describe, expect, it } from 'vitest';
import { revealSecret } from '../../src/scan/index.js';
import { base64Runs } from '../../src/scan/decode.js';
import { LIVE_SECRET, scannerFromToml, TOKEN_RULES } from './helpers.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const hex = (s: string) => Buffer.from(s).toString('hex');

describe('decoding', () => {
  const s = scannerFromToml(TOKEN_RULES);

  it('finds a secret inside base64, tagged and located at the encoded text', () => {
    const encoded = b64(`{"key":"${LIVE_SECRET}"}`);
    const { findings } = s.scanFragment({ path: 'k8s/secret.yaml', text: `data:\n  config: ${encoded}\n` });
    expect(findings).toHaveLength(1);
    expect(findings[0].decoded).toEqual(['base64']);
    expect(findings[0].line).toBe(2);
    expect(findings[0].column).toBe(11);
    expect(findings[0].endColumn).toBe(11 + encoded.length);
    expect(revealSecret(findings[0])).toBe(LIVE_SECRET);
  });

  it('finds base64 glued to what precedes it (a path, a name with "_" or "-"), whatever its alignment', () => {
    const encoded = b64(`token=${LIVE_SECRET}`);
    for (const prefix of ['', 'a', 'ab', 'abc', 'path/', 'token_', 'x-api-', 'some/long/path/']) {
      const { findings } = s.scanFragment({ path: 'a', text: `${prefix}${encoded}\n` });
      expect(findings.map((f) => f.decoded), prefix).toEqual([['base64']]);
      expect(revealSecret(findings[0]), prefix).toBe(LIVE_SECRET);
    }
  });

  it('finds secrets in url-safe base64, hex and percent-encoding', () => {
    const urlSafe = Buffer.from(`>>>${LIVE_SECRET}???`).toString('base64url');
    expect(s.scanFragment({ path: 'a', text: `t=${urlSafe}` }).findings.map((f) => f.decoded)).toEqual([['base64']]);
    expect(s.scanFragment({ path: 'a', text: `h="${hex(`key=${LIVE_SECRET}`)}"` }).findings.map((f) => f.decoded)).toEqual([['hex']]);
    const allEscaped = [...Buffer.from(`k=${LIVE_SECRET}`)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
    expect(s.scanFragment({ path: 'a', text: `https://x.test/?q=${allEscaped}` }).findings.map((f) => f.decoded)).toEqual([['percent']]);
  });

  it('reports text readable both as-is and decoded once, as plain text', () => {
    const pct = encodeURIComponent(`{"k": "${LIVE_SECRET}", "x": "<&>"}`);
    const { findings } = s.scanFragment({ path: 'a', text: `https://x.test/?q=${pct}` });
    expect(findings.map((f) => f.decoded)).toEqual([undefined]);
  });

  it('looks inside nested encodings up to decodeDepth', () => {
    const twice = b64(`payload=${b64(`secret: ${LIVE_SECRET}`)}`);
    const { findings } = s.scanFragment({ path: 'a', text: twice });
    expect(findings.map((f) => f.decoded)).toEqual([['base64', 'base64']]);
    const shallow = scannerFromToml(TOKEN_RULES, { decodeDepth: 1 });
    expect(shallow.scanFragment({ path: 'a', text: twice }).findings).toEqual([]);
    const off = scannerFromToml(TOKEN_RULES, { decodeDepth: 0 });
    expect(off.scanFragment({ path: 'a', text: b64(`k=${LIVE_SECRET}`) }).findings).toEqual([]);
  });

  it('keeps the inline-ignore of the encoded line', () => {
    expect(s.scanFragment({ path: 'a', text: `x: ${b64(`k=${LIVE_SECRET}`)} # keywarden:allow` }).findings).toEqual([]);
  });
});

describe('base64Runs', () => {
  // The plain definition: every maximal run of base64-alphabet bytes at least 24 long.
  function naive(bytes: Uint8Array): number[] {
    const out: number[] = [];
    const inRun = (b: number) => /[A-Za-z0-9+/_-]/.test(String.fromCharCode(b));
    for (let i = 0; i < bytes.length; ) {
      if (!inRun(bytes[i])) {
        i++;
        continue;
      }
      let j = i;
      while (j < bytes.length && inRun(bytes[j])) j++;
      if (j - i >= 24) out.push(i, j);
      i = j;
    }
    return out;
  }

  it('finds exactly the maximal runs of 24 or more, wherever they start and end', () => {
    let seed = 7;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const alphabet = 'aZ09+/_-';
    for (let t = 0; t < 300; t++) {
      const parts: string[] = [];
      while (parts.join('').length < 400) parts.push(Array.from({ length: Math.floor(rand() * 40) }, () => alphabet[Math.floor(rand() * 8)]).join(''), rand() < 0.5 ? ' ' : '."=\n');
      const bytes = Buffer.from(parts.join('').slice(Math.floor(rand() * 30)));
      expect(base64Runs(bytes)).toEqual(naive(bytes));
    }
    expect(base64Runs(Buffer.from('A'.repeat(24)))).toEqual([0, 24]);
    expect(base64Runs(Buffer.from('A'.repeat(23)))).toEqual([]);
    expect(base64Runs(Buffer.from(''))).toEqual([]);
  });

  it('finds a run whatever its length and offset against the blocks it is read in, up to the buffer ends', () => {
    for (let len = 20; len <= 42; len++) {
      for (let before = 0; before <= 17; before++) {
        for (const after of [0, 1, 7, 8, 9]) {
          const text = `${'a.'.repeat(before).slice(0, before)}${'Q'.repeat(len)}${' x'.repeat(after).slice(0, after)}`;
          expect(base64Runs(Buffer.from(text))).toEqual(naive(Buffer.from(text)));
        }
      }
    }
  });
});
