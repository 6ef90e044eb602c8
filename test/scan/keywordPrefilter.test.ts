import { describe, expect, it } from 'vitest';
import { CHUNK_BYTES, KeywordPrefilter, SET_AFTER_BYTES } from '../../src/scan/keywordPrefilter.js';

// Two Sets answer the same question: one of lower-case keywords over lower-cased text for a
// scan's first bytes, one that folds case itself after that. Every behaviour is checked on both.
const MODES = [
  { name: 'case-folding Set', setAfterBytes: 0 },
  { name: 'lower-case Set', setAfterBytes: Number.MAX_SAFE_INTEGER },
];

describe.each(MODES)('KeywordPrefilter ($name)', ({ setAfterBytes }) => {
  function scan(keywords: string[], text: string | Buffer) {
    const found = new KeywordPrefilter(keywords, { setAfterBytes }).scan(Buffer.isBuffer(text) ? text : Buffer.from(text))!;
    return { distinct: found.size, count: keywords.map((_, k) => found.get(k)?.length ?? 0), chunks: keywords.map((_, k) => found.get(k) ?? []) };
  }

  it('finds overlapping and nested keywords, case-insensitively', () => {
    const r = scan(['he', 'she', 'hers', 'his', 'kwsk_'], 'uSHErs and HIS KWSK_ key');
    expect(r.count).toEqual([1, 1, 1, 1, 1]);
    expect(r.distinct).toBe(5);
    expect(r.chunks[1]).toEqual([0]);
  });

  it('reports nothing when no keyword occurs, and nothing for an empty text', () => {
    expect(scan(['token'], 'nothing here').distinct).toBe(0);
    expect(scan(['token'], '').distinct).toBe(0);
    expect(scan([], 'token').distinct).toBe(0);
  });

  it('treats regex metacharacters in keywords literally', () => {
    const r = scan(['a.b', '://', '(x)', 'c d', '[y]'], 'axb (x) c d');
    expect(r.count).toEqual([0, 0, 1, 1, 0]);
  });

  it('matches non-ASCII keywords, folding ASCII case only', () => {
    expect(scan(['clé', '密钥'], 'la CLé et le 密钥').count).toEqual([1, 1]);
    expect(scan(['clé'], 'la CLÉ').count).toEqual([0]);
  });

  it('finds ASCII keywords in any case next to non-ASCII text, and not across it', () => {
    expect(scan(['token', 'api_key'], 'ÉTÉ:TOKEN=1 Ä API_KEY ÿ').count).toEqual([1, 1]);
    expect(scan(['token'], 'ÉTOKÉN').count).toEqual([0]);
  });

  it('reports each chunk holding a keyword, including an occurrence across a chunk edge', () => {
    const text = Buffer.alloc(CHUNK_BYTES * 3, 'x');
    text.write('secret', 10);
    text.write('SECRET', CHUNK_BYTES * 2 - 3); // starts in chunk 1, ends in chunk 2
    const r = scan(['secret'], text);
    expect(r.count).toEqual([2]);
    expect(r.chunks[0]).toEqual([0, CHUNK_BYTES]);
  });
});

describe('KeywordPrefilter: lower-case Set, then case-folding Set', () => {
  it('gives the same answers from both Sets (random texts)', () => {
    let seed = 7;
    const rnd = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
    const keywords = ['key', 'KEY_ID', 'tok', 'ab', 'secret', 'x-api-key', 'pat', 'q~'];
    const alphabet = 'abkeytoKEYsecrt_-xpiq~ éÉ\n';
    for (let round = 0; round < 40; round++) {
      let text = '';
      const len = rnd(3 * CHUNK_BYTES);
      for (let i = 0; i < len; i++) text += alphabet[rnd(alphabet.length)];
      const bytes = Buffer.from(text);
      const lower = new KeywordPrefilter(keywords, { setAfterBytes: Number.MAX_SAFE_INTEGER }).scan(bytes)!;
      const folding = new KeywordPrefilter(keywords, { setAfterBytes: 0 }).scan(bytes)!;
      expect(lower).toEqual(folding);
    }
  });

  it('moves to the case-folding Set once a scan passes SET_AFTER_BYTES, with the same answers', () => {
    const p = new KeywordPrefilter(['token', 'secret']);
    const big = Buffer.alloc(SET_AFTER_BYTES + 1, ' ');
    big.write('SECRET', 100);
    expect(p.scan(Buffer.from('a TOKEN here'))!.get(0)).toEqual([0]);
    expect([...p.scan(big)!.keys()]).toEqual([1]);
    expect(p.scan(Buffer.from('a token here'))!.get(0)).toEqual([0]);
  });
});
