import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AUTOMATON_VERSION, keywordsFingerprint } from '../../src/scan/automatonBlob.js';
import { KeywordPrefilter } from '../../src/scan/keywordPrefilter.js';
import { loadBuiltinRuleFiles } from '../../src/config/loadRules.js';
import { effectiveRules } from '../../src/config/effectiveRules.js';
import { defaultConfig } from '../../src/config/configFile.js';
import { parseConfig } from '../../src/config/loadConfig.js';
import { AUTOMATON_FILE, builtinAutomaton } from '../../src/config/automatonCache.js';
import { RULES_CACHE_DIR } from '../../src/config/builtinRuleFiles.js';

const SRC = fileURLToPath(new URL('../../src/scan', import.meta.url));

/** Everything a scan reports, copied out of the reused arrays. */
function hitsOf(p: KeywordPrefilter, bytes: Uint8Array): unknown {
  const h = p.scan(bytes);
  return { ends: [...h.ends.subarray(0, h.count)], states: [...h.states.subarray(0, h.count)], unplaced: h.unplaced, found: h.found, ids: [...p.found(bytes)].sort((a, b) => a - b) };
}

function randomText(seed: number, alphabet: string, length: number): Buffer {
  let text = '';
  for (let i = 0; i < length; i++) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    text += alphabet[(seed >>> 8) % alphabet.length];
  }
  return Buffer.from(text);
}

/** A fresh build and an adoption of its blob by another instance, both with the same kernel threshold. */
function pair(keywords: string[], kernelFrom: number): [KeywordPrefilter, KeywordPrefilter] {
  const built = new KeywordPrefilter(keywords);
  const adopted = new KeywordPrefilter(keywords);
  expect(adopted.adopt(new KeywordPrefilter(keywords).serialize())).toBe(true);
  built.kernelFrom = adopted.kernelFrom = kernelFrom;
  return [built, adopted];
}

describe('serialized keyword automaton', () => {
  const builtinKeywords = effectiveRules(loadBuiltinRuleFiles(), defaultConfig(), () => undefined).keywords.keywords as string[];
  const realTexts = readdirSync(SRC)
    .filter((f) => f.endsWith('.ts'))
    .slice(0, 12)
    .map((f) => readFileSync(join(SRC, f)));

  it('fingerprints keyword lists with 64-bit FNV-1a, telling order and boundaries apart', () => {
    expect(keywordsFingerprint([])).toBe('cbf29ce484222325');
    expect(keywordsFingerprint(['a'])).toBe('af63dc4c8601ec8c');
    expect(keywordsFingerprint(['ab', 'c'])).not.toBe(keywordsFingerprint(['a', 'bc']));
    expect(keywordsFingerprint(['a', 'b'])).not.toBe(keywordsFingerprint(['b', 'a']));
  });

  it('gives the same hits adopted as built (small keyword lists, random texts, both passes)', () => {
    const keywords = ['he', 'she', 'hers', 'his', 'kwsk_', 'é', 'ab', 'abab', 'b'];
    for (const kernelFrom of [Infinity, 0]) {
      const [built, adopted] = pair(keywords, kernelFrom);
      for (let seed = 1; seed <= 30; seed++) {
        const text = randomText(seed, 'abehirsSkw_HE é', (seed * 997) % 9000);
        expect(hitsOf(adopted, text)).toEqual(hitsOf(built, text));
      }
    }
  });

  it('gives the same hits adopted as built for the built-in keywords (real and random texts)', () => {
    const alphabet = [...new Set(builtinKeywords.join(''))].join('') + ' \n=';
    const texts = [...realTexts, ...[1, 2, 3].map((s) => randomText(s, alphabet, 20000))];
    for (const kernelFrom of [Infinity, 0]) {
      const [built, adopted] = pair(builtinKeywords, kernelFrom);
      for (const text of texts) expect(hitsOf(adopted, text)).toEqual(hitsOf(built, text));
    }
  });

  it('refuses a blob built for other keywords, of another version, truncated or padded', () => {
    const blob = new KeywordPrefilter(['token', 'secret']).serialize();
    expect(new KeywordPrefilter(['token', 'secreT']).adopt(blob)).toBe(false);
    expect(new KeywordPrefilter(['secret', 'token']).adopt(blob)).toBe(false);
    expect(new KeywordPrefilter(['token']).adopt(blob)).toBe(false);

    const otherVersion = blob.slice();
    new DataView(otherVersion.buffer).setUint32(4, AUTOMATON_VERSION + 1, true);
    expect(new KeywordPrefilter(['token', 'secret']).adopt(otherVersion)).toBe(false);

    for (const length of [0, 10, 48, 400, blob.length - 4, blob.length - 1]) {
      expect(new KeywordPrefilter(['token', 'secret']).adopt(blob.subarray(0, length))).toBe(false);
    }
    const longer = new Uint8Array(blob.length + 4);
    longer.set(blob);
    expect(new KeywordPrefilter(['token', 'secret']).adopt(longer)).toBe(false);
    // Unaligned in its buffer: copied, then adopted.
    const shifted = new Uint8Array(blob.length + 1);
    shifted.set(blob, 1);
    const p = new KeywordPrefilter(['token', 'secret']);
    expect(p.adopt(shifted.subarray(1))).toBe(true);
    expect([...p.found(Buffer.from('my SECRET'))]).toEqual([1]);
  });

  it('still finds every keyword after a refused blob (it builds)', () => {
    const p = new KeywordPrefilter(['token', 'secret']);
    p.prebuilt = () => new KeywordPrefilter(['other']).serialize();
    expect([...p.found(Buffer.from('a token and a secret'))].sort()).toEqual([0, 1]);
  });

  it('asks for the prebuilt blob only when the automaton is first needed, and once', () => {
    const keywords = ['token', 'secret'];
    const blob = new KeywordPrefilter(keywords).serialize();
    let asked = 0;
    const p = new KeywordPrefilter(keywords);
    p.prebuilt = () => (asked++, blob);
    // A small scan without positions is answered by the RE2 Set.
    expect(p.scan(Buffer.from('a token'), false).found).toEqual([0]);
    expect(asked).toBe(0);
    expect([...p.found(Buffer.from('a secret'))]).toEqual([1]);
    expect([...p.found(Buffer.from('a token'))]).toEqual([0]);
    expect(asked).toBe(1);
  });

  it('is built into dist/ for the built-in rules as a default config runs them, and refused once a config changes them', () => {
    const blob = builtinAutomaton();
    expect(blob, `${RULES_CACHE_DIR}/${AUTOMATON_FILE} missing: run npm run build`).toBeDefined();
    const files = loadBuiltinRuleFiles();
    expect(effectiveRules(files, defaultConfig(), () => undefined).keywords.adopt(blob!)).toBe(true);
    // A rule with a keyword no other rule lists: disabling it drops that keyword.
    const rules = files.flatMap((f) => f.rules);
    const own = rules.find((r) => r.keywords.some((k) => rules.filter((q) => q.keywords.includes(k)).length === 1))!;
    const disabling = parseConfig(`[extend]\ndisabledRules = ["${own.id}"]\n`, 'kw.toml');
    expect(effectiveRules(files, disabling, () => undefined).keywords.adopt(blob!)).toBe(false);
    const adding = parseConfig(`[[rules]]\nid = "acme"\ndescription = "ACME"\nregex = '''ACME-[0-9a-f]{20}'''\nkeywords = ["acme-"]\n`, 'kw.toml');
    expect(effectiveRules(files, adding, () => undefined).keywords.adopt(blob!)).toBe(false);
  });
});
