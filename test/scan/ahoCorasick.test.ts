import { describe, expect, it } from 'vitest';
import { KeywordMatcher } from '../../src/scan/ahoCorasick.js';

function occurrences(keywords: string[], text: string, cap = 100) {
  const m = new KeywordMatcher(keywords);
  const count = new Uint32Array(keywords.length);
  const positions = keywords.map(() => [] as number[]);
  const distinct = m.scan(Buffer.from(text), count, positions, cap);
  return { distinct, count: [...count], positions };
}

describe('KeywordMatcher (Aho-Corasick)', () => {
  it('finds overlapping and nested keywords in one pass, ASCII case-insensitively', () => {
    const r = occurrences(['he', 'she', 'hers', 'his', 'kwsk_'], 'uSHErs and HIS KWSK_ key');
    expect(r.count).toEqual([1, 1, 1, 1, 1]);
    expect(r.distinct).toBe(5);
    expect(r.positions[1]).toEqual([3]); // "she" ends at index 3
    expect(r.positions[2]).toEqual([5]);
  });

  it('reports nothing when no keyword occurs, and caps remembered positions', () => {
    expect(occurrences(['token'], 'nothing here').distinct).toBe(0);
    const r = occurrences(['ab'], 'ab'.repeat(10), 3);
    expect(r.count).toEqual([10]);
    expect(r.positions[0]).toEqual([1, 3, 5]);
  });

  it('matches non-ASCII keywords byte for byte', () => {
    expect(occurrences(['clé', '密钥'], 'la clé et le 密钥').count).toEqual([1, 1]);
  });
});
