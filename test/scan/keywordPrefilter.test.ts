import { describe, expect, it } from 'vitest';
import { CHUNK_BYTES, KeywordPrefilter } from '../../src/scan/keywordPrefilter.js';

function scan(keywords: string[], text: string | Buffer) {
  const found = new KeywordPrefilter(keywords).scan(Buffer.isBuffer(text) ? text : Buffer.from(text))!;
  return { distinct: found.size, count: keywords.map((_, k) => found.get(k)?.length ?? 0), chunks: keywords.map((_, k) => found.get(k) ?? []) };
}

describe('KeywordPrefilter', () => {
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

  it('matches non-ASCII keywords', () => {
    expect(scan(['clé', '密钥'], 'la clé et le 密钥').count).toEqual([1, 1]);
  });

  it('reports each chunk holding a keyword, including an occurrence across a chunk edge', () => {
    const text = Buffer.alloc(CHUNK_BYTES * 3, 'x');
    text.write('secret', 10);
    text.write('secret', CHUNK_BYTES * 2 - 3); // starts in chunk 1, ends in chunk 2
    const r = scan(['secret'], text);
    expect(r.count).toEqual([2]);
    expect(r.chunks[0]).toEqual([0, CHUNK_BYTES]);
  });
});
