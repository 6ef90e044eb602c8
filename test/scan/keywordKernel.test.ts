// The WebAssembly keyword pass must give exactly what the JavaScript pass gives: the same
// hits in the same order, and the same unplaced states when a fragment holds more hits than
// are kept with positions.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadBuiltinRules } from '../../src/config/loadRules.js';
import { KeywordKernel, STREAM_COUNTS, type StreamCount } from '../../src/scan/keywordKernel.js';
import { KeywordPrefilter, MAX_POSITIONS } from '../../src/scan/keywordPrefilter.js';

interface Snapshot {
  count: number;
  ends: number[];
  states: number[];
  unplaced: number[];
  found: number[];
}

function snapshot(p: KeywordPrefilter, bytes: Uint8Array, kernelFrom: number, streams: StreamCount): Snapshot {
  p.kernelFrom = kernelFrom;
  p.kernelStreams = streams;
  const h = p.scan(bytes);
  return { count: h.count, ends: [...h.ends.subarray(0, h.count)], states: [...h.states.subarray(0, h.count)], unplaced: [...h.unplaced], found: [...h.found] };
}

/** The JavaScript pass's answer, then the kernel's with each stream count, compared. */
function expectSame(p: KeywordPrefilter, bytes: Uint8Array): Snapshot {
  const js = snapshot(p, bytes, Infinity, 4);
  for (const streams of STREAM_COUNTS) {
    const wasm = snapshot(p, bytes, 0, streams);
    // Compared as a whole only when different: a diff of 65,536 positions helps nobody.
    if (JSON.stringify(wasm) !== JSON.stringify(js)) expect({ streams, bytes: bytes.length, ...wasm }).toEqual({ streams, bytes: bytes.length, ...js });
  }
  return js;
}

function random(seed: number): (n: number) => number {
  return (n) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
}

function randomText(rnd: (n: number) => number, alphabet: string | null, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = alphabet === null ? rnd(256) : alphabet.charCodeAt(rnd(alphabet.length));
  return out;
}

const KEYWORDS = ['he', 'she', 'hers', 'his', 'kwsk_', 'token', 'sk-', 'AKIA', 'password', 'ghp_', 'xoxb-', 'clé', 'ключ'];

/** Text files of the project's own dependencies, up to `total` bytes. */
function dependencyFiles(total: number): Buffer[] {
  const root = fileURLToPath(new URL('../../node_modules', import.meta.url));
  const out: Buffer[] = [];
  let have = 0;
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (have >= total) return;
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.isFile() && /\.(js|ts|json|md|map)$/.test(e.name) && statSync(path).size <= 1 << 20) {
        const b = readFileSync(path);
        if (b.includes(0)) continue;
        out.push(b);
        have += b.length;
      }
    }
  };
  for (const pkg of ['vitest', 'typescript', 're2', '@types']) {
    try {
      walk(join(root, pkg));
    } catch {
      // a dependency this checkout does not have
    }
  }
  return out;
}

/** A kernel loaded with the prefilter's automaton, as the prefilter loads its own. */
function kernelFor(p: KeywordPrefilter): KeywordKernel | undefined {
  p.scan(Buffer.from('build the automaton'));
  const a = p as unknown as { cls: Uint8Array; delta: Uint16Array; shift: number; firstOut: number; longest: number };
  return KeywordKernel.load({ cls: a.cls, delta: a.delta, shift: a.shift, firstOut: a.firstOut, longest: a.longest });
}

describe('KeywordKernel', () => {
  it('loads where WebAssembly is available (or every test below would only compare the JavaScript pass with itself)', () => {
    const kernel = kernelFor(new KeywordPrefilter(KEYWORDS));
    expect(kernel).toBeDefined();
    expect(kernel!.scan(Buffer.from('a token, a password'), 1)).toBe(2);
  });

  it('gives the JavaScript pass\'s hits on random texts of every size, keyword-dense and not', () => {
    const p = new KeywordPrefilter(KEYWORDS);
    const rnd = random(7);
    for (let round = 0; round < 120; round++) {
      const length = round < 60 ? round * 3 : rnd(round < 100 ? 5000 : 70000);
      expectSame(p, randomText(rnd, round % 3 === 0 ? 'hersiAKtokenpaswd-_ ' : round % 3 === 1 ? null : 'abcdefghijklmnopqrstuvwxyz \n', length));
    }
  });

  it('finds keywords that straddle the streams\' boundaries, once', () => {
    const p = new KeywordPrefilter(KEYWORDS);
    for (const n of [4 * p.longest - 1, 4 * p.longest, 4 * p.longest + 1, 2 * p.longest, 4095, 4096, 4097, 1003, 1000]) {
      for (const streams of [2, 4]) {
        const stride = Math.ceil(n / streams);
        for (let shift = -9; shift <= 1; shift++) {
          const text = Buffer.alloc(n, ' ');
          for (let r = 1; r < streams; r++) {
            const at = r * stride + shift;
            if (at >= 0 && at + 8 <= n) text.write('password', at);
          }
          expectSame(p, text);
        }
      }
    }
  });

  it('matches non-ASCII keywords among arbitrary bytes', () => {
    const p = new KeywordPrefilter(KEYWORDS);
    const rnd = random(11);
    const text = Buffer.concat(Array.from({ length: 400 }, () => Buffer.concat([randomText(rnd, null, rnd(40)), Buffer.from(['clé', 'CLÉ', 'ключ', 'Token'][rnd(4)])])));
    expect(expectSame(p, text).count).toBeGreaterThan(300);
  });

  it('gives the same hits with more than 64 distinct keyword bytes (a wider class table)', () => {
    const wide = [...KEYWORDS, ...Array.from({ length: 40 }, (_, i) => `${String.fromCharCode(33 + i)}é${String.fromCharCode(0x430 + i)}`)];
    const p = new KeywordPrefilter(wide);
    expect(kernelFor(p)).toBeDefined();
    expect((p as unknown as { shift: number }).shift).toBeGreaterThan(6);
    const rnd = random(5);
    for (let round = 0; round < 30; round++) {
      const text = Buffer.concat(Array.from({ length: 200 }, () => Buffer.concat([randomText(rnd, null, rnd(30)), Buffer.from(wide[rnd(wide.length)])])));
      expect(expectSame(p, text).count).toBeGreaterThan(150);
    }
  });

  it('keeps the same places and unplaced states around the cap on kept positions', () => {
    const p = new KeywordPrefilter(['ab', 'b', 'cd']);
    for (const hits of [MAX_POSITIONS - 1, MAX_POSITIONS, MAX_POSITIONS + 1, 3 * MAX_POSITIONS]) {
      // Each 'ab' is one hit (one state ends both 'ab' and 'b'), and each 'cd'.
      const js = expectSame(p, Buffer.from('ab'.repeat(hits - 3) + ' cd'.repeat(3)));
      expect(js.count).toBe(Math.min(MAX_POSITIONS, hits));
      expect(js.unplaced.length > 0).toBe(hits > MAX_POSITIONS);
    }
    // Each stream under the cap, together over it.
    const spread = Buffer.from(('ab'.repeat(20000) + ' '.repeat(100)).repeat(4));
    expect(expectSame(p, spread).unplaced.length).toBeGreaterThan(0);
  });

  it('scans a 10 MiB fragment (the memory grows) and small ones after it', () => {
    const p = new KeywordPrefilter(KEYWORDS);
    const rnd = random(3);
    const big = randomText(rnd, 'abcdefghijklmnopqrstuvwxyz \n', 10 * 1024 * 1024);
    for (let i = 0; i < 3000; i++) big.write(KEYWORDS[rnd(KEYWORDS.length - 2)], rnd(big.length - 10));
    expectSame(p, big);
    expectSame(p, Buffer.from('a token and his password'));
  });

  it('gives the JavaScript pass\'s hits on real files with the built-in rules\' keywords', () => {
    const p = new KeywordPrefilter(loadBuiltinRules().keywords.keywords);
    const files = dependencyFiles(8 << 20);
    expect(files.length).toBeGreaterThan(20);
    let hits = 0;
    for (const f of files) hits += expectSame(p, f).count;
    expect(hits).toBeGreaterThan(1000);
  });
});
