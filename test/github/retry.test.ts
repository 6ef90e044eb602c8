import { describe, expect, it } from 'vitest';
import { isSecondaryRateLimit } from '../../src/github/retry.js';

describe('GitHub retries', () => {
  it('recognises GitHub secondary rate limits', () => {
    expect(isSecondaryRateLimit({ status: 403, response: { headers: { 'retry-after': '5' } } })).toBe(true);
    expect(isSecondaryRateLimit({ status: 429, response: { headers: {}, data: { message: 'You have exceeded a secondary rate limit' } } })).toBe(true);
    expect(isSecondaryRateLimit({ status: 403, response: { headers: {}, data: { message: 'Resource not accessible by integration' } } })).toBe(false);
    expect(isSecondaryRateLimit({ status: 500 })).toBe(false);
  });
});
