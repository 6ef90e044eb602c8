import { describe, expect, it } from 'vitest';
import { startScanEngine } from '../../src/cli/scanEngine.js';
import { buildRuleSet, parseRuleFile } from '../../src/scan/index.js';
import { LIVE_SECRET, TOKEN_RULES } from '../scan/helpers.js';

describe('startScanEngine', () => {
  it('starts in-process and moves to worker threads once enough bytes went by, finding the same', async () => {
    const rules = buildRuleSet([parseRuleFile(TOKEN_RULES, 'test.toml')]);
    const engine = await startScanEngine(rules, {}, { threads: 0, growTo: 2, poolAfterBytes: 2000 });
    try {
      const results = [];
      const asyncFlags = [];
      for (let i = 0; i < 20; i++) {
        const text = `${'filler '.repeat(40)}\nconst key = "${LIVE_SECRET}"; // file ${i}\n`;
        const r = engine.scan({ path: `f${i}.ts`, text: Buffer.from(text) });
        asyncFlags.push(r instanceof Promise);
        results.push(await r);
      }
      // The first fragments stay in-process; after ~2,000 bytes the pool takes over.
      expect(asyncFlags.slice(0, 3)).toEqual([false, false, false]);
      expect(asyncFlags.slice(-3)).toEqual([true, true, true]);
      expect(results.map((r) => r.findings.map((f) => [f.ruleId, f.line]))).toEqual(results.map(() => [['kw-secret', 2]]));
    } finally {
      await engine.close();
    }
  });
});
