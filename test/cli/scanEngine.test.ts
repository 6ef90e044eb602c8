import { describe, expect, it } from 'vitest';
import { availableParallelism } from 'node:os';
import { directoryEngineChoice, POOL_FROM_START_BYTES, startScanEngine } from '../../src/cli/scanEngine.js';
import { buildRuleSet, parseRuleFile } from '../../src/scan/index.js';
import { LIVE_SECRET, TOKEN_RULES } from '../scan/helpers.js';

describe('startScanEngine', () => {
  it('starts in-process, scans on in-process while the workers start, then moves to them for good', async () => {
    const rules = buildRuleSet([parseRuleFile(TOKEN_RULES, 'test.toml')]);
    const engine = await startScanEngine(rules, {}, { threads: 0, growTo: 2, poolAfterBytes: 2000 });
    try {
      const asyncFlags: boolean[] = [];
      const results = [];
      let bytes = 0;
      let poolStartedAt = -1;
      const deadline = Date.now() + 20_000;
      // Past ~2,000 bytes the pool starts; until its workers are ready, fragments are still
      // scanned here. Keep scanning (yielding to the event loop, where their ready messages
      // arrive) until the pool has taken over, then a few more.
      for (let i = 0; asyncFlags.filter(Boolean).length < 5 && Date.now() < deadline; i++) {
        const text = `${'filler '.repeat(40)}\nconst key = "${LIVE_SECRET}"; // file ${i}\n`;
        bytes += text.length;
        if (poolStartedAt < 0 && bytes > 2000) poolStartedAt = i;
        const r = engine.scan({ path: `f${i}.ts`, text: Buffer.from(text) });
        asyncFlags.push(r instanceof Promise);
        results.push(await r);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const firstPooled = asyncFlags.indexOf(true);
      // In-process past the threshold (the workers were still starting: an immediate switch
      // would pool the very next fragment), then pooled with no way back.
      expect(firstPooled).toBeGreaterThan(poolStartedAt + 1);
      expect(asyncFlags.slice(firstPooled).every(Boolean)).toBe(true);
      expect(results.map((r) => r.findings.map((f) => [f.ruleId, f.line]))).toEqual(results.map(() => [['kw-secret', 2]]));
    } finally {
      await engine.close();
    }
  });

  it('gives a directory expected to be big its workers from the start; a small one grows them; --threads wins', () => {
    const cores = availableParallelism();
    expect(directoryEngineChoice(3, POOL_FROM_START_BYTES)).toEqual({ threads: 3 });
    expect(directoryEngineChoice(0, POOL_FROM_START_BYTES)).toEqual({ threads: 0 });
    if (cores < 2) {
      expect(directoryEngineChoice(undefined, POOL_FROM_START_BYTES)).toEqual({ threads: 0 });
      return;
    }
    expect(directoryEngineChoice(undefined, POOL_FROM_START_BYTES)).toEqual({ threads: cores });
    expect(directoryEngineChoice(undefined, POOL_FROM_START_BYTES - 1)).toEqual({ threads: 0, growTo: cores });
    expect(directoryEngineChoice(undefined)).toEqual({ threads: 0, growTo: cores });
  });
});
