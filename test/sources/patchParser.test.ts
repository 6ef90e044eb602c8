import { describe, expect, it } from 'vitest';
import type { Fragment } from '../../src/scan/types.js';
import { PatchParser, unquote } from '../../src/sources/patchParser.js';

/** Fragments with their bytes as text, to compare. */
function decoded(p: PatchParser): Fragment[] {
  return p.fragments.map((f) => ({ ...f, text: Buffer.from(f.text).toString('utf8') }));
}

/** Parses `text` fed in chunks of `chunkBytes`, so lines are split at every possible place. */
function parse(text: string, chunkBytes = 1 << 20): PatchParser {
  const p = new PatchParser();
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += chunkBytes) p.write(bytes.subarray(i, i + chunkBytes));
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
    expect(decoded(p)).toEqual([{ path: 'conflict.txt', text: 'resolved by the merge\n++ also added, starts with pluses\n  indented', lineNumbers: [4, 5, 9], knownText: true }]);
  });

  it('numbers combined-diff lines in the merge result: removed lines take no number, kept ones do', () => {
    // As `git log --cc -U0` prints a conflict resolved by hand, then a merge with a new file.
    const log = [
      '\0' + 'c'.repeat(40) + '\0Ada\0ada@example.com\0' + '2026-01-02T03:04:05+00:00\0merge feature\n\0',
      '',
      'diff --cc settings.ini',
      'index 1111111,2222222..3333333',
      '--- a/settings.ini',
      '+++ b/settings.ini',
      '@@@ -2,1 -2,1 +2,1 @@@',
      '- token = from-main',
      ' -token = from-feature',
      '++token = resolved',
      '@@@ -4,0 -4,0 +4,2 @@@',
      '++extra = one',
      '++extra = two',
      '@@@ -9,2 -9,1 +10,0 @@@',
      '- gone from main',
      '--gone from both',
      'diff --cc merge-only.txt',
      'index 0000000,0000000..4444444',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/merge-only.txt',
      '@@@ -0,0 -0,0 +1 @@@',
      '++only in the merge',
      '\\ No newline at end of file',
    ].join('\n') + '\n';
    const expected = [
      { path: 'settings.ini', text: 'token = resolved\nextra = one\nextra = two', lineNumbers: [2, 4, 5] },
      { path: 'merge-only.txt', text: 'only in the merge', lineNumbers: [1] },
    ];
    // The same fragments wherever git's output is cut into chunks.
    for (const chunk of [1, 2, 3, 7, 1 << 20]) {
      const p = parse(log, chunk);
      expect(p.commits).toBe(1);
      expect(decoded(p).map(({ path, text, lineNumbers }) => ({ path, text, lineNumbers }))).toEqual(expected);
      expect(p.fragments.every((f) => f.commit?.sha === 'c'.repeat(40))).toBe(true);
    }
  });

  it('reads an octopus merge\'s combined diff: one marker column and one more @ per parent', () => {
    const p = parse(
      [
        'diff --cc notes.txt',
        'index 1111111,2222222,3333333..4444444',
        '--- a/notes.txt',
        '+++ b/notes.txt',
        '@@@@ -1,2 -1,2 -1,2 +1,4 @@@@',
        '   kept',
        '++ from first and second, not third',
        '  -from third, dropped',
        '+++new against all three',
        '+++',
        '@@@@ -7 -7 -7 +8 @@@@',
        '+++last',
      ].join('\n'),
    );
    // "+++" with nothing after it is an empty line the merge added: it has a number too.
    expect(decoded(p)).toEqual([{ path: 'notes.txt', text: 'new against all three\n\nlast', lineNumbers: [3, 4, 8], knownText: true }]);
  });

  it('does not take a combined hunk header with a malformed range as a hunk', () => {
    const p = parse(
      [
        'diff --cc x.txt',
        '--- a/x.txt',
        '+++ b/x.txt',
        '@@@ -1,1 -x +1,1 @@@',
        '++not in a hunk',
        '@@@ -1,1 -1,1 +3,1 @@@',
        '++in a hunk',
      ].join('\n'),
    );
    expect(decoded(p)).toEqual([{ path: 'x.txt', text: 'in a hunk', lineNumbers: [3], knownText: true }]);
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
    expect(decoded(p)).toEqual([{ path: 'x', text: '++ b/evil\ndiff --git a/y b/y\n@@ -1 +1 @@', lineNumbers: [1, 2, 3], knownText: true }]);
  });

  it('gives the same result wherever git\'s output is split into chunks', () => {
    const log = [
      '\0' + 'a'.repeat(40) + '\0Zoë\0zoe@example.com\0' + '2026-01-02T03:04:05+00:00\0subject\n\nbody line\n\0',
      '',
      'diff --git a/src/é.txt b/src/é.txt',
      'new file mode 100644',
      '--- /dev/null',
      '+++ b/src/é.txt',
      '@@ -0,0 +1,3 @@',
      '+first ✓',
      '+',
      '+third\r',
      'diff --git a/img.png b/img.png',
      'Binary files /dev/null and b/img.png differ',
      'diff --git a/x b/x',
      '--- a/x',
      '+++ b/x',
      '@@ -2 +2,2 @@',
      '-old',
      '+new two',
      '+new three',
      '',
    ].join('\n');
    const whole = parse(log);
    expect(whole.commits).toBe(1);
    expect(whole.binaries).toEqual([{ path: 'img.png', commit: 'a'.repeat(40) }]);
    const commit = { sha: 'a'.repeat(40), author: 'Zoë', email: 'zoe@example.com', date: '2026-01-02T03:04:05+00:00', message: 'subject\n\nbody line' };
    expect(decoded(whole)).toEqual([
      { path: 'src/é.txt', text: 'first ✓\n\nthird\r', lineNumbers: [1, 2, 3], knownText: true, commit },
      { path: 'x', text: 'new two\nnew three', lineNumbers: [2, 3], knownText: true, commit },
    ]);
    for (const chunkBytes of [1, 2, 3, 5, 8, 13]) {
      const p = parse(log, chunkBytes);
      expect(decoded(p)).toEqual(decoded(whole));
      expect(p.binaries).toEqual(whole.binaries);
    }
  });

  it('splits a file\'s added text into fragments of at most maxBytes, at line boundaries', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i + 1} ${'y'.repeat(i)}`);
    const p = new PatchParser({ maxBytes: 100 });
    p.write(Buffer.from(['diff --git a/f b/f', '--- /dev/null', '+++ b/f', '@@ -0,0 +1,30 @@', ...lines.map((l) => `+${l}`), ''].join('\n')));
    p.end();
    expect(p.fragments.length).toBeGreaterThan(5);
    expect(p.fragments.every((f) => f.text.length <= 100)).toBe(true);
    expect(decoded(p).flatMap((f) => String(f.text).split('\n'))).toEqual(lines);
    expect(p.fragments.flatMap((f) => f.lineNumbers)).toEqual(lines.map((_, i) => i + 1));
  });

  it('splits at maxBytes the same wherever git\'s output is split into chunks', () => {
    // Runs of added lines inside one chunk take a faster path than lines cut by a chunk's
    // end; where a file reaches maxBytes must not depend on which path its lines took.
    const files = [3, 40, 7].map((n, f) =>
      [`diff --git a/f${f} b/f${f}`, '--- /dev/null', `+++ b/f${f}`, `@@ -0,0 +1,${n} @@`, ...Array.from({ length: n }, (_, i) => `+f${f} line ${i + 1} ${'z'.repeat((i * 7) % 23)}`)],
    );
    const log = Buffer.from([...files.flat(), ''].join('\n'));
    const fragments = (maxBytes: number, chunkBytes: number): Fragment[] => {
      const p = new PatchParser({ maxBytes });
      for (let i = 0; i < log.length; i += chunkBytes) p.write(log.subarray(i, i + chunkBytes));
      p.end();
      return decoded(p);
    };
    for (const maxBytes of [30, 100, 1000]) {
      const whole = fragments(maxBytes, log.length);
      expect(whole.every((f) => f.text.length <= maxBytes || !String(f.text).includes('\n'))).toBe(true);
      expect(whole.flatMap((f) => f.lineNumbers)).toEqual(files.flatMap((lines) => lines.slice(4).map((_, i) => i + 1)));
      for (const chunkBytes of [1, 7, 64, 333]) expect(fragments(maxBytes, chunkBytes)).toEqual(whole);
    }
  });

  it('takes added lines from large chunks (the WebAssembly kernel) exactly as from small ones', () => {
    // Lines of every length around the kernel's 16-byte steps, hunks whose count ends a run
    // of '+' lines early, a hunk whose old count lets '+' lines through past its new count,
    // and a line longer than a chunk.
    const lines = (f: number, n: number): string[] => Array.from({ length: n }, (_, i) => `+${String.fromCharCode(97 + (f % 26)).repeat((i * 5 + f) % 41)}${i === 3 ? '✓\r' : ''}`);
    const files: string[] = [];
    for (let f = 0; f < 60; f++) {
      const added = lines(f, 5 + (f % 17));
      files.push(`diff --git a/d/${f}.txt b/d/${f}.txt`, '--- a/d/' + f + '.txt', `+++ b/d/${f}.txt`);
      if (f % 3 === 0) files.push(`@@ -${f} +${f},${added.length - 2} @@`, '-gone', ...added, `@@ -90,0 +90,1 @@`, '+after');
      else if (f % 3 === 1) files.push(`@@ -1,2 +1,${added.length} @@`, ...added.slice(0, 2), '-old one', '-old two', ...added.slice(2));
      else files.push(`@@ -0,0 +1,${added.length + 1} @@`, ...added, `+${'L'.repeat(70_000)}`, '\\ No newline at end of file');
    }
    const log = Buffer.from([...files, ''].join('\n'));
    const parsed = (chunkBytes: number): PatchParser => {
      const p = new PatchParser();
      for (let i = 0; i < log.length; i += chunkBytes) p.write(Buffer.from(log.subarray(i, i + chunkBytes)));
      p.end();
      return p;
    };
    const small = decoded(parsed(1000));
    expect(small).toHaveLength(60);
    expect(small[0]).toMatchObject({ path: 'd/0.txt', lineNumbers: [0, 1, 2, 90], text: ['', 'aaaaa', 'aaaaaaaaaa', 'after'].join('\n') });
    expect(small[1].lineNumbers).toEqual(Array.from({ length: 6 }, (_, i) => i + 1));
    expect(String(small[2].text).endsWith('L'.repeat(70_000))).toBe(true);
    for (const chunkBytes of [16 * 1024, 65536, 100_000, 256 * 1024]) expect(decoded(parsed(chunkBytes))).toEqual(small);
  });

  it('unquotes C-style quoted paths with octal UTF-8 bytes', () => {
    expect(unquote('"b/caf\\303\\251 \\"q\\".txt"')).toBe('b/café "q".txt');
    expect(unquote('"tab\\there"')).toBe('tab\there');
    expect(unquote('plain')).toBe('plain');
  });
});
