import { describe, expect, it } from 'vitest';
import { rotateBackoff } from '../../src/rotation/rotateWorker.js';
import { RotationError } from '../../src/rotation/rotator.js';
import { jitteredBackoff } from '../../src/github/retry.js';

describe('rotate backoff', () => {
  const backoff = rotateBackoff(1_000, 60_000);

  it('waits what REQUEST_IN_PROCESS asks for', () => {
    const err = new RotationError('REQUEST_IN_PROCESS', 'busy', { retryable: true, retryAfterMs: 3_000 });
    expect(backoff(1, 'rotate', err)).toBe(3_000);
    expect(backoff(7, 'rotate', err)).toBe(3_000);
  });

  it('grows exponentially with jitter, within [ceiling/2, ceiling], capped', () => {
    for (let attempt = 1; attempt <= 10; attempt++) {
      const ceiling = Math.min(60_000, 1_000 * 2 ** (attempt - 1));
      const samples = Array.from({ length: 200 }, () => backoff(attempt, 'rotate', new Error('500')));
      expect(Math.min(...samples)).toBeGreaterThanOrEqual(ceiling / 2);
      expect(Math.max(...samples)).toBeLessThanOrEqual(ceiling);
      // Jitter: retries of many jobs do not land on the same instant.
      if (ceiling >= 4) expect(new Set(samples).size).toBeGreaterThan(1);
    }
    expect(jitteredBackoff(40, 1_000, 60_000)).toBeLessThanOrEqual(60_000);
  });
});
