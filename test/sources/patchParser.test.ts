import { describe, expect, it } from 'vitest';
import { PatchParser, unquote } from '../../src/sources/patchParser.js';

function parse(text: string, maxBytes?: number): PatchParser {
  const p = new PatchParser({ maxBytes });
  for (const line of text.split('\n')) p.push(line);
  p.end();
  return p;
}

describe('PatchParser', () => {
  it('keeps only lines a combined (merge) diff adds against every parent', () => {
    const p = parse(
      [
        'diff --cc conflict.txt',
        'index 1111111,2222222..3333333',
        '--- a/conflict.txt',
        '+++ b/conflict.txt',
        '@@@ -1,3 -1,3 +1,5 @@@',
        '  shared',
        '+ from first parent',
        ' +from second parent',
        '++resolved by the merge',
        '- removed in second',
        '++++ also added, starts with pluses',
        '@@@ -9 -9 +9,1 @@@',
        '++  indented',
      ].join('\n'),
    );
    expect(p.fragments).toEqual([{ path: 'conflict.txt', text: 'resolved by the merge\n++ also added, starts with pluses\n  indented', lineNumbers: [4, 5, 9] }]);
  });

  it('counts hunk lines, so added text that looks like a header stays content', () => {
    const p = parse(
      [
        'diff --git a/x b/x',
        '--- a/x',
        '+++ b/x',
        '@@ -0,0 +1,3 @@',
        '+++ b/evil',
        '+diff --git a/y b/y',
        '+@@ -1 +1 @@',
        '\\ No newline at end of file',
      ].join('\n'),
    );
    expect(p.fragments).toEqual([{ path: 'x', text: '++ b/evil\ndiff --git a/y b/y\n@@ -1 +1 @@', lineNumbers: [1, 2, 3] }]);
  });

  it('unquotes C-style quoted paths with octal UTF-8 bytes', () => {
    expect(unquote('"b/caf\\303\\251 \\"q\\".txt"')).toBe('b/café "q".txt');
    expect(unquote('"tab\\there"')).toBe('tab\there');
    expect(unquote('plain')).toBe('plain');
  });
});
