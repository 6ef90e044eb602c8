// ProviderNearMiss looks for provider words once per line; its answer must be what searching the
// line's name side (the text before the secret) gives, whatever the line and wherever the secret.
import { describe, expect, it } from 'vitest';
import { ProviderNearMiss } from '../../src/scan/providerNearMiss.js';
import type { CompiledRule } from '../../src/scan/ruleSet.js';

const catchAll = { config: { generic: true, confidence: 'low', keywords: [] }, prefixes: [] } as unknown as CompiledRule;

describe('ProviderNearMiss', () => {
  it('answers as searching the text before the secret does (random lines, several hits a line)', () => {
    const words = /twilio|ably[_.-]?key|okta/i;
    let seed = 11;
    const rnd = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) >>> 8) % n;
    const parts = ['twilio', 'TWILIO', 'ably_key', 'ablykey', 'okta', 'ok', 'ta', 'x', '=', ' ', 's3cr3t', 'twi', 'lio'];
    for (let round = 0; round < 300; round++) {
      const line = Array.from({ length: 1 + rnd(8) }, () => parts[rnd(parts.length)]).join('');
      const nearMiss = new ProviderNearMiss(words);
      for (let h = 0; h < 4; h++) {
        const from = rnd(line.length);
        const secret = line.slice(from, from + 1 + rnd(10));
        expect(nearMiss.test(catchAll, secret, 0, () => line), `${line} / ${secret}`).toBe(words.test(line.slice(0, line.indexOf(secret))));
      }
    }
  });

  it('decodes a line once for all its hits', () => {
    const nearMiss = new ProviderNearMiss(/okta/i);
    let decoded = 0;
    const make = () => {
      decoded++;
      return 'okta_token = "aaaa" other = "bbbb"';
    };
    expect(nearMiss.test(catchAll, 'aaaa', 3, make)).toBe(true);
    expect(nearMiss.test(catchAll, 'okta', 3, make)).toBe(false);
    expect(nearMiss.lineText(3, make)).toContain('bbbb');
    expect(decoded).toBe(1);
  });
});
