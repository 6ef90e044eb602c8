// Which head lines of a PR's patch take a review comment: what GitHub's hunk headers say.
import { describe, expect, it } from 'vitest';
import { headRanges } from '../../../src/app/publish/diffLines.js';

describe('headRanges', () => {
  it('reads the head side of each hunk header, a missing count meaning one line, a zero count none', () => {
    const patch = ['@@ -1,3 +1,4 @@', ' a', '+b', ' c', ' d', '@@ -20 +21 @@', '-x', '+y', '@@ -40,2 +41,0 @@', '-gone', '-gone'].join('\n');
    expect(headRanges(patch)).toEqual([[1, 4], [21, 21]]);
  });

  it('finds no range in text that only looks like a hunk header inside a line', () => {
    expect(headRanges(' text @@ -1,3 +1,4 @@ not a header')).toEqual([]);
  });
});
