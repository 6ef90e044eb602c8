import { describe, expect, it } from 'vitest';
import { isBinary } from '../../src/scan/index.js';
import { LIVE_SECRET, scannerFromToml, TOKEN_RULES } from './helpers.js';

// Finishing is the assertion here: no timings.
describe('bounds', () => {
  it('scans a 5 MB single line and finds the secret at its end, with the right column', () => {
    const s = scannerFromToml(TOKEN_RULES);
    const filler = 'aB3_'.repeat(1_250_000) + 'é'.repeat(1000) + ' ';
    const { findings } = s.scanFragment({ path: 'min.js', text: filler + LIVE_SECRET });
    expect(findings).toHaveLength(1);
    expect(findings[0].line).toBe(1);
    expect(findings[0].column).toBe(filler.length + 1);
  });

  it('finds many secrets on one multi-megabyte line (no per-finding rescans of the line)', () => {
    const s = scannerFromToml(TOKEN_RULES);
    const text = Array.from({ length: 2000 }, (_, i) => `${'x'.repeat(1000)}${i} ${LIVE_SECRET}`).join(';');
    const { findings } = s.scanFragment({ path: 'min.js', text });
    expect(findings).toHaveLength(2000);
    expect(new Set(findings.map((f) => f.column)).size).toBe(2000);
  });

  it('finishes on ReDoS bait (RE2 is linear-time)', () => {
    const s = scannerFromToml(`
[[rules]]
id = "evil"
description = "would backtrack catastrophically in a backtracking engine"
regex = '''(a+)+b|(x|xx)+y|([\\w.]+)*@'''
keywords = ["a", "x"]
`);
    const bait = 'a'.repeat(50_000) + '!' + 'x'.repeat(50_000) + '!' + 'w.'.repeat(50_000) + '!';
    expect(s.scanFragment({ path: 'evil.txt', text: bait }).findings).toEqual([]);
  });

  it('survives invalid UTF-8 and lone surrogates', () => {
    const s = scannerFromToml(TOKEN_RULES);
    const decoded = Buffer.concat([Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(` k=${LIVE_SECRET}\n`)]).toString('utf8');
    expect(s.scanFragment({ path: 'a', text: decoded }).findings).toHaveLength(1);
    expect(s.scanFragment({ path: 'a', text: `\ud800 k=${LIVE_SECRET}` }).findings[0].column).toBe(5);
  });

  it('skips binary content and says so', () => {
    const s = scannerFromToml(TOKEN_RULES);
    const r = s.scanFragment({ path: 'img.png', text: `\u0000\u0001PNG${LIVE_SECRET}` });
    expect(r.findings).toEqual([]);
    expect(r.skipped).toMatchObject({ path: 'img.png', reason: 'binary' });
    expect(isBinary(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8, 65]))).toBe(true);
    expect(isBinary('plain text\twith tabs\r\n')).toBe(false);
  });

  it('trusts a source that says its text is not binary (git printed it as a text diff)', () => {
    const s = scannerFromToml(TOKEN_RULES);
    // Mostly control characters, so the engine's own check would call it binary.
    const text = `${'\u0001'.repeat(40)}\n${LIVE_SECRET}\n`;
    expect(s.scanFragment({ path: 'log.txt', text }).skipped?.reason).toBe('binary');
    const r = s.scanFragment({ path: 'log.txt', text, knownText: true });
    expect(r.skipped).toBeUndefined();
    expect(r.findings.map((f) => f.line)).toEqual([2]);
  });

  it('skips fragments over maxFragmentBytes and reports their size', () => {
    const s = scannerFromToml(TOKEN_RULES, { maxFragmentBytes: 1000 });
    const r = s.scanFragment({ path: 'big.txt', text: 'é'.repeat(600) + LIVE_SECRET, commit: { sha: 'c1' } });
    expect(r.findings).toEqual([]);
    expect(r.skipped).toEqual({ path: 'big.txt', commit: 'c1', reason: 'too-large', bytes: 1200 + LIVE_SECRET.length });
    expect(s.scanFragment({ path: 'small.txt', text: LIVE_SECRET }).findings).toHaveLength(1);
  });
});
