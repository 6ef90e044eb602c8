import { describe, expect, it } from 'vitest';
import { KeywordPrefilter, MAX_POSITIONS, SET_BUDGET } from '../../src/scan/keywordPrefilter.js';

/** Every occurrence as [keyword, start offset], from the hits' end offsets and states. */
function occurrences(p: KeywordPrefilter, text: string | Buffer): Array<[string, number]> {
  const bytes = Buffer.isBuffer(text) ? text : Buffer.from(text);
  const hits = p.scan(bytes);
  const out: Array<[string, number]> = [];
  for (let i = 0; i < hits.count; i++) {
    for (const k of p.keywordsAt(hits.states[i])) out.push([p.keywords[k], hits.ends[i] + 1 - p.lengths[k]]);
  }
  return out.sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
}

/** The same, found the slow way: every offset, every keyword, ASCII case folded. */
function naive(keywords: string[], text: Buffer): Array<[string, number]> {
  const fold = (b: Buffer) => Buffer.from(b.map((c) => (c >= 65 && c <= 90 ? c + 32 : c)));
  const hay = fold(text);
  const out: Array<[string, number]> = [];
  for (const k of new Set(keywords)) {
    const needle = fold(Buffer.from(k));
    for (let i = hay.indexOf(needle); i !== -1; i = hay.indexOf(needle, i + 1)) out.push([k, i]);
  }
  return out.sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
}

/** Seeded random texts over a small alphabet, so keywords and their near misses are frequent. */
function randomTexts(seed: number, alphabet: string, maxLength: (round: number) => number, rounds = 40): Buffer[] {
  const rnd = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
  return Array.from({ length: rounds }, (_, round) => {
    let text = '';
    for (let i = rnd(maxLength(round)); i > 0; i--) text += alphabet[rnd(alphabet.length)];
    return Buffer.from(text);
  });
}

describe('KeywordPrefilter', () => {
  it('finds overlapping and nested keywords, case-insensitively, where they are', () => {
    const p = new KeywordPrefilter(['he', 'she', 'hers', 'his', 'kwsk_']);
    expect(occurrences(p, 'uSHErs and HIS KWSK_ key')).toEqual([
      ['she', 1],
      ['he', 2],
      ['hers', 2],
      ['his', 11],
      ['kwsk_', 15],
    ]);
  });

  it('reports nothing when no keyword occurs, and nothing for an empty text', () => {
    expect(new KeywordPrefilter(['token']).found(Buffer.from('nothing here')).size).toBe(0);
    expect(new KeywordPrefilter(['token']).found(Buffer.alloc(0)).size).toBe(0);
    expect(new KeywordPrefilter([]).found(Buffer.from('token')).size).toBe(0);
  });

  it('treats regex metacharacters in keywords literally', () => {
    const p = new KeywordPrefilter(['a.b', '://', '(x)', 'c d', '[y]']);
    expect([...p.found(Buffer.from('axb (x) c d'))].sort()).toEqual([2, 3]);
  });

  it('matches non-ASCII keywords, folding ASCII case only', () => {
    const p = new KeywordPrefilter(['clé', '密钥']);
    expect([...p.found(Buffer.from('la CLé et le 密钥'))].sort()).toEqual([0, 1]);
    expect(p.found(Buffer.from('la CLÉ')).size).toBe(0);
  });

  it('finds ASCII keywords in any case next to non-ASCII text, and not across it', () => {
    const p = new KeywordPrefilter(['token', 'api_key']);
    expect(p.found(Buffer.from('ÉTÉ:TOKEN=1 Ä API_KEY ÿ')).size).toBe(2);
    expect(p.found(Buffer.from('ÉTOKÉN')).size).toBe(0);
  });

  it('finds every occurrence the slow search finds (random texts, short and long: one stream and two)', () => {
    const keywords = ['key', 'KEY_ID', 'tok', 'ab', 'secret', 'x-api-key', 'pat', 'q~', 'é~'];
    const p = new KeywordPrefilter(keywords);
    for (const bytes of randomTexts(7, 'abkeytoKEYsecrt_-xpiq~ éÉ\n', (round) => (round % 2 ? 200 : 20_000))) {
      expect(occurrences(p, bytes)).toEqual(naive(keywords, bytes));
    }
  });

  it('finds a keyword that straddles the middle of a long text, once', () => {
    const p = new KeywordPrefilter(['secret']);
    const text = Buffer.alloc(10_000, 'x');
    text.write('SECRET', 4997);
    text.write('secret', 10);
    expect(occurrences(p, text)).toEqual([
      ['secret', 10],
      ['secret', 4997],
    ]);
  });

  it('keeps which keywords occur when a crafted text holds more occurrences than it keeps places for', () => {
    const p = new KeywordPrefilter(['ab', 'zz']);
    const text = Buffer.from(`${'ab'.repeat(MAX_POSITIONS + 1000)}zz`);
    const hits = p.scan(text);
    expect(hits.count).toBe(MAX_POSITIONS);
    expect(hits.unplaced.flatMap((s) => [...p.keywordsAt(s)])).toEqual([0, 1]);
    expect([...p.found(text)].sort()).toEqual([0, 1]);
    // The next scan starts afresh.
    expect(p.scan(Buffer.from('zz')).unplaced).toEqual([]);
  });

  it('answers a scan without positions from its RE2.Set until the budget is spent, with the same keywords', () => {
    const keywords = ['key', 'KEY_ID', 'tok', 'ab', 'secret', 'x-api-key', 'pat', 'q~', 'a.b'];
    const bySet = new KeywordPrefilter(keywords);
    const byAutomaton = new KeywordPrefilter(keywords);
    for (const bytes of randomTexts(3, 'abkeytoKEYsecrt_-xpiq~.\n', () => 3000)) {
      const viaSet = bySet.scan(bytes, false);
      expect(viaSet.count).toBe(0);
      expect([...viaSet.found].sort((x, y) => x - y)).toEqual([...byAutomaton.found(bytes)].sort((x, y) => x - y));
    }
    const spent = new KeywordPrefilter(['token']);
    expect(spent.scan(Buffer.alloc(SET_BUDGET + 1, 'token '), false).count).toBeGreaterThan(0);
    expect(spent.scan(Buffer.from('a token'), false).count).toBe(1);
  });
});
