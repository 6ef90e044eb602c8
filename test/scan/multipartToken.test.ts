import { describe, expect, it } from 'vitest';
import { loadBuiltinRules } from '../../src/config/loadRules.js';
import { hashSecret } from '../../src/scan/fingerprint.js';
import { Scanner } from '../../src/scan/index.js';

// Fake macaroons in Fly.io's format (the rule's own example).
const PART_1 = 'fm2_lJPECAAAAAAAApGnzdOFQQJNqRUiXF45GES5Mdl45HsX+GNGFn3VuUbwrf7mxvGog2J1rtmDfKKPTGGTJwP6P8jlcwY6ZkTjCe5C0EZAtDsfuaTuFZHSDrRlKs9unYfGPampGOTYi5KpoKbGUazlEGa4BZJmG8jMAyL3TeLI8k33HVXcAsdd0pXVhafGiAqWC'; // keywarden:allow (fake)
const PART_2 = 'fm2_lJPEpPU3ujILkt5nlprPiQVqcDXX2KPOOWFeGkE6nZRTuBG1dJpiwK7PTUPrC8rbLKrXLzgzlaS5NrYKR6gCUvX8sOb+QOlMQ3SN4Hdq'; // keywarden:allow (fake)

describe('a token made of several comma-joined parts', () => {
  const scanner = new Scanner(loadBuiltinRules());

  it('is one Fly.io finding for the whole token, not one per macaroon', () => {
    const token = `${PART_1},${PART_2}`;
    const { findings } = scanner.scanFragment({ path: 'fly.env', text: `FLY_API_TOKEN="FlyV1 ${token}"\n` });
    expect(findings.map((f) => f.ruleId)).toEqual(['flyio-macaroon-token']);
    expect(findings[0].secretHash).toBe(hashSecret(token));
    expect(findings[0].column).toBe(`FLY_API_TOKEN="FlyV1 `.length + 1);
  });

  it('still finds a single macaroon on its own', () => {
    const { findings } = scanner.scanFragment({ path: 'fly.env', text: `FLY_API_TOKEN=${PART_1}\n` });
    expect(findings.map((f) => [f.ruleId, f.secretHash])).toEqual([['flyio-macaroon-token', hashSecret(PART_1)]]);
  });
});
