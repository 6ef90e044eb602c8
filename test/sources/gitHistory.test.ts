import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitHistoryFragments } from '../../src/sources/gitHistory.js';
import type { Fragment } from '../../src/scan/types.js';
import { makeGitRepo, type GitFixture } from './gitFixture.js';

/** Fragments carry git's bytes; the tests compare their text. */
const text = (f: Fragment): string => Buffer.from(f.text).toString('utf8');

async function collect(it: AsyncIterable<Fragment>): Promise<Fragment[]> {
  const out: Fragment[] = [];
  for await (const f of it) out.push(f);
  return out;
}

describe('gitHistoryFragments', () => {
  let repo: GitFixture;
  const sha: Record<string, string> = {};

  beforeAll(() => {
    repo = makeGitRepo('history');
    sha.first = repo.commit('first\n\nwith a body', { 'a.txt': 'one\ntwo\nthree\nfour\n', 'old name.txt': 'stay\nthe\nsame\n' });
    sha.second = repo.commit('second', { 'a.txt': 'one\ntwo\nINSERTED\nthree\nfour\nAPPENDED\n' });
    mkdirSync(join(repo.dir, 'dir with space'));
    repo.git('mv', 'old name.txt', 'dir with space/naïve ✓.txt');
    sha.rename = repo.commit('pure rename');
    repo.write('dir with space/naïve ✓.txt', 'stay\nthe\nsame\nplus one\n');
    repo.write('quo"te\tname.txt', 'quoted\n');
    repo.write('bin.dat', Buffer.from([0, 1, 2, 3, 0, 255, 0, 10, 65]));
    repo.write('tricky.txt', '++ b/not-a-header\n--- a/nor-this\n@@ -1 +1 @@\n');
    sha.third = repo.commit('third');
    repo.git('rm', '-q', 'a.txt');
    sha.deleted = repo.commit('delete a');
    repo.git('checkout', '-q', '-b', 'side', sha.second);
    sha.side = repo.commit('side branch', { 'side.txt': 'only on side\n' });
    repo.git('checkout', '-q', 'main');
  });
  afterAll(() => repo.cleanup());

  it('yields one fragment per commit and file with only the added lines and new-file line numbers', async () => {
    const frags = await collect(gitHistoryFragments({ repoDir: repo.dir }));
    const second = frags.filter((f) => f.commit?.sha === sha.second);
    expect(second).toHaveLength(1);
    expect(second[0].path).toBe('a.txt');
    expect(text(second[0])).toBe('INSERTED\nAPPENDED');
    expect(second[0].lineNumbers).toEqual([3, 6]);
    const first = frags.filter((f) => f.commit?.sha === sha.first);
    expect(first.map((f) => f.path).sort()).toEqual(['a.txt', 'old name.txt']);
    expect(first[0].commit).toMatchObject({ author: 'Ada Lovelace', email: 'ada@example.com', message: 'first\n\nwith a body' });
    expect(first[0].commit?.date).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('handles renames, unicode and quoted paths, binaries, deletions and patch-like content', async () => {
    const binaries: string[] = [];
    const frags = await collect(gitHistoryFragments({ repoDir: repo.dir, onBinary: (b) => binaries.push(b.path) }));
    expect(frags.some((f) => f.commit?.sha === sha.rename)).toBe(false);
    expect(frags.some((f) => f.commit?.sha === sha.deleted)).toBe(false);
    const third = frags.filter((f) => f.commit?.sha === sha.third);
    const byPath = Object.fromEntries(third.map((f) => [f.path, f]));
    expect(Object.keys(byPath).sort()).toEqual(['dir with space/naïve ✓.txt', 'quo"te\tname.txt', 'tricky.txt']);
    expect(text(byPath['dir with space/naïve ✓.txt'])).toBe('plus one');
    expect(byPath['dir with space/naïve ✓.txt'].lineNumbers).toEqual([4]);
    expect(text(byPath['tricky.txt'])).toBe('++ b/not-a-header\n--- a/nor-this\n@@ -1 +1 @@');
    expect(byPath['tricky.txt'].lineNumbers).toEqual([1, 2, 3]);
    expect(binaries).toEqual(['bin.dat']);
  });

  it('narrows to a range, to commits since a revision, or widens to every ref', async () => {
    const range = await collect(gitHistoryFragments({ repoDir: repo.dir, range: `${sha.first}..${sha.rename}` }));
    expect(new Set(range.map((f) => f.commit?.sha))).toEqual(new Set([sha.second]));
    const since = await collect(gitHistoryFragments({ repoDir: repo.dir, since: sha.second }));
    expect(new Set(since.map((f) => f.commit?.sha))).toEqual(new Set([sha.third]));
    const head = await collect(gitHistoryFragments({ repoDir: repo.dir }));
    expect(head.some((f) => f.commit?.sha === sha.side)).toBe(false);
    const all = await collect(gitHistoryFragments({ repoDir: repo.dir, all: true }));
    expect(all.some((f) => f.commit?.sha === sha.side && f.path === 'side.txt')).toBe(true);
  });

  it('does not duplicate a merge commit\'s changes', async () => {
    const r = makeGitRepo('merge');
    try {
      r.commit('base', { 'x.txt': 'base\n' });
      r.git('checkout', '-q', '-b', 'feature');
      const feat = r.commit('feature', { 'f.txt': 'feature line\n' });
      r.git('checkout', '-q', 'main');
      r.commit('main side', { 'm.txt': 'main line\n' });
      r.git('merge', '-q', '--no-ff', '-m', 'merge feature', 'feature');
      const frags = await collect(gitHistoryFragments({ repoDir: r.dir }));
      const featureLines = frags.filter((f) => text(f).includes('feature line'));
      expect(featureLines).toHaveLength(1);
      expect(featureLines[0].commit?.sha).toBe(feat);
    } finally {
      r.cleanup();
    }
  });

  it('scans what only a merge brings in: a conflict resolved by hand and a file the merge adds', async () => {
    const r = makeGitRepo('merge-resolution');
    try {
      r.commit('base', { 'settings.ini': 'name = demo\ntoken = placeholder\nport = 80\n' });
      r.git('checkout', '-q', '-b', 'feature');
      const feature = r.commit('feature token', { 'settings.ini': 'name = demo\ntoken = from-feature\nport = 80\n' });
      r.git('checkout', '-q', 'main');
      r.commit('main token', { 'settings.ini': 'name = demo\ntoken = from-main\nport = 80\n' });
      // The merge conflicts on line 2; the resolution is text neither parent has.
      try {
        r.git('merge', '-q', 'feature', '-m', 'merge feature');
      } catch {
        // expected: a conflict
      }
      r.write('settings.ini', 'name = demo\ntoken = resolved-in-merge\nport = 80\nextra = from-the-merge-too\n');
      r.write('merge-only.txt', 'added by the merge\n');
      r.git('add', '-A');
      r.git('commit', '-q', '--no-edit');
      const merge = r.git('rev-parse', 'HEAD').trim();
      expect(r.git('rev-parse', `${merge}^2`).trim()).toBe(feature);

      const frags = await collect(gitHistoryFragments({ repoDir: r.dir }));
      const fromMerge = frags.filter((f) => f.commit?.sha === merge);
      const byPath = Object.fromEntries(fromMerge.map((f) => [f.path, f]));
      expect(Object.keys(byPath).sort()).toEqual(['merge-only.txt', 'settings.ini']);
      expect(text(byPath['settings.ini'])).toBe('token = resolved-in-merge\nextra = from-the-merge-too');
      expect(byPath['settings.ini'].lineNumbers).toEqual([2, 4]);
      expect(byPath['settings.ini'].commit?.message).toMatch(/^merge feature/);
      expect(text(byPath['merge-only.txt'])).toBe('added by the merge');
      expect(byPath['merge-only.txt'].lineNumbers).toEqual([1]);
      // Each parent's own line is reported once, in its own commit, never again in the merge.
      expect(frags.filter((f) => text(f).includes('from-feature')).map((f) => f.commit?.sha)).toEqual([feature]);
      expect(frags.filter((f) => text(f).includes('from-main'))).toHaveLength(1);

      // A range that holds only the merge (what a push of it scans) still has its resolution.
      const range = await collect(gitHistoryFragments({ repoDir: r.dir, range: `${merge}^1..${merge}` }));
      expect(range.filter((f) => f.commit?.sha === merge).map((f) => f.path).sort()).toEqual(['merge-only.txt', 'settings.ini']);
    } finally {
      r.cleanup();
    }
  });

  it('splits a large file into several fragments at line boundaries', async () => {
    const r = makeGitRepo('split');
    try {
      const lines = Array.from({ length: 100 }, (_, i) => `line number ${i + 1} ${'x'.repeat(50)}`);
      r.commit('big', { 'big.txt': lines.join('\n') + '\n' });
      const frags = await collect(gitHistoryFragments({ repoDir: r.dir, maxBytes: 1000 }));
      expect(frags.length).toBeGreaterThan(5);
      expect(frags.every((f) => f.text.length <= 1000)).toBe(true);
      expect(frags.flatMap((f) => text(f).split('\n'))).toEqual(lines);
      expect(frags.flatMap((f) => f.lineNumbers)).toEqual(lines.map((_, i) => i + 1));
    } finally {
      r.cleanup();
    }
  });

  it('treats a repository without commits as empty and rejects option-like revisions', async () => {
    const r = makeGitRepo('empty');
    try {
      expect(await collect(gitHistoryFragments({ repoDir: r.dir }))).toEqual([]);
    } finally {
      r.cleanup();
    }
    await expect(collect(gitHistoryFragments({ repoDir: repo.dir, range: '--output=/tmp/x' }))).rejects.toMatchObject({ code: 'GIT_FAILED' });
    await expect(collect(gitHistoryFragments({ repoDir: repo.dir, range: 'nope..nada' }))).rejects.toThrow(/git log failed/);
  });

  it('is not swayed by user git config (showRoot, relative, prefixes, colour, external diff)', async () => {
    const r = makeGitRepo('config');
    try {
      const root = r.commit('root', { 'sub/x.txt': 'root line\n' });
      r.commit('second', { 'sub/y.txt': 'second line\n', 'top.txt': 'top\n' });
      for (const [k, v] of [['log.showRoot', 'false'], ['diff.relative', 'true'], ['diff.noprefix', 'true'], ['diff.mnemonicPrefix', 'true'], ['color.ui', 'always'], ['diff.external', 'false']]) {
        r.git('config', k, v);
      }
      const frags = await collect(gitHistoryFragments({ repoDir: join(r.dir, 'sub') }));
      expect(frags.map((f) => `${f.path}=${text(f)}`).sort()).toEqual(['sub/x.txt=root line', 'sub/y.txt=second line', 'top.txt=top']);
      expect(frags.find((f) => f.path === 'sub/x.txt')?.commit?.sha).toBe(root);
    } finally {
      r.cleanup();
    }
  });

  it('reports commits as they stream by', async () => {
    const seen: number[] = [];
    await collect(gitHistoryFragments({ repoDir: repo.dir, onCommit: (n) => seen.push(n) }));
    expect(seen.at(-1)).toBe(5);
  });
});
