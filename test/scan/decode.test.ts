import { describe, expect, it } from 'vitest';
import { revealSecret } from '../../src/scan/index.js';
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
