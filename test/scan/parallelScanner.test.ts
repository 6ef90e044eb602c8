// The worker pool loads compiled code from dist/ (npm test builds it first, via pretest).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBuiltinRules } from '../../src/config/loadRules.js';
import { ParallelScanner, revealSecret, Scanner, type Fragment } from '../../src/scan/index.js';
import { LIVE_SECRET, TEST_SECRET } from './helpers.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('ParallelScanner', () => {
  let pool: ParallelScanner;
  const rules = loadBuiltinRules();

  beforeAll(() => {
    if (!existsSync(new URL('../../dist/scan/parallelWorker.js', import.meta.url))) {
      execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: new URL('../..', import.meta.url) });
    }
    pool = new ParallelScanner(rules, { ignoreGlobs: ['vendor/**'] }, { threads: 2, batchSize: 3 });
  });
  afterAll(async () => {
    await pool?.close();
  });

  it('finds what the single-threaded scanner finds, with secrets available locally', async () => {
    const fragments: Fragment[] = Array.from({ length: 20 }, (_, i) => ({
      path: `src/f${i}.ts`,
      text: i % 3 === 0 ? `a\nkey = "${LIVE_SECRET}"\n` : i % 3 === 1 ? `x: ${b64(`k=${TEST_SECRET}`)}` : 'nothing here',
      commit: { sha: `c${i}` },
    }));
    fragments.push({ path: 'vendor/x.js', text: LIVE_SECRET }, { path: 'bin.dat', text: '\u0000\u0001' });
    const single = new Scanner(rules, { ignoreGlobs: ['vendor/**'] });
    const expected = fragments.map((f) => single.scanFragment(f));
    const got = await Promise.all(fragments.map((f) => pool.scanFragment(f)));
    expect(JSON.parse(JSON.stringify(got))).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(got.flatMap((r) => r.findings).length).toBeGreaterThanOrEqual(14);
    expect(revealSecret(got[0].findings[0])).toBe(LIVE_SECRET);
    expect(got[20].skipped?.reason).toBe('ignored-path');
    expect(got[21].skipped?.reason).toBe('binary');
  });

  it('moves bytes that own their buffer to the worker with transferText, and copies pooled ones', async () => {
    const p = new ParallelScanner(rules, {}, { threads: 1, transferText: true });
    try {
      const own = Buffer.alloc(64 * 1024, ' ');
      own.write(`key = "${LIVE_SECRET}"`, 1000);
      const pooled = Buffer.from(`k = "${LIVE_SECRET}"\n`); // a view into Node's shared 8 KB slab
      expect(pooled.byteLength).toBeLessThan(pooled.buffer.byteLength);
      const results = await Promise.all([p.scanFragment({ path: 'big.txt', text: own }), p.scanFragment({ path: 'small.txt', text: pooled })]);
      expect(results.map((r) => r.findings.map((f) => f.ruleId))).toEqual([['keywarden-secret-key-live'], ['keywarden-secret-key-live']]);
      expect(own.byteLength).toBe(0); // moved: detached on this side
      expect(pooled.toString()).toContain(LIVE_SECRET.slice(0, 10)); // copied: still readable
    } finally {
      await p.close();
    }
  });

  it('refuses work after close', async () => {
    const p = new ParallelScanner(rules, {}, { threads: 1 });
    expect(p.threads).toBe(1);
    await p.close();
    await expect(p.scanFragment({ path: 'a', text: 'b' })).rejects.toThrow('closed');
  });
});
