import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { directoryBatches, estimateBytes, listFiles } from '../../src/sources/directory.js';
import { stagedFragments } from '../../src/sources/staged.js';
import { stdinItems } from '../../src/sources/stdin.js';
import { isSkipped, type SourceItem } from '../../src/sources/types.js';
import type { Fragment } from '../../src/scan/types.js';
import { makeGitRepo, makeTempDir } from './gitFixture.js';

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

/** Diff sources hand over git's bytes; the tests compare text. */
const decoded = (f: Fragment): Fragment => ({ ...f, text: Buffer.from(f.text).toString('utf8') });

const cleanups: (() => void)[] = [];
afterAll(() => cleanups.forEach((c) => c()));

describe('directoryItems', () => {
  it('lists what git would commit (tracked + untracked, minus .gitignore), with unicode names', async () => {
    const repo = makeGitRepo('src-dir');
    cleanups.push(repo.cleanup);
    repo.commit('init', { '.gitignore': '*.log\nout/\n', 'a.txt': 'a\n', 'sub/ünï code.txt': 'u\n' });
    repo.write('new.txt', 'n\n');
    repo.write('x.log', 'ignored\n');
    repo.write('out/y.txt', 'ignored\n');
    expect(await listFiles(repo.dir, true)).toEqual(['.gitignore', 'a.txt', 'new.txt', 'sub/ünï code.txt']);
    const all = await listFiles(repo.dir, false);
    expect(all).toEqual(['.gitignore', 'a.txt', 'new.txt', 'out/y.txt', 'sub/ünï code.txt', 'x.log']);
    // a subdirectory of a repository: paths relative to it
    expect(await listFiles(join(repo.dir, 'sub'), true)).toEqual(['ünï code.txt']);
  });

  it('reports binaries, large files and ignored paths as skipped, and skips symlinks', async () => {
    const dir = makeTempDir('src-walk');
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, 'd'));
    writeFileSync(join(dir, 'd', 'text.txt'), 'hello\n');
    writeFileSync(join(dir, 'bin.dat'), Buffer.from([1, 0, 2, 0, 3]));
    writeFileSync(join(dir, 'big.txt'), 'x'.repeat(2000));
    writeFileSync(join(dir, 'skip.me'), 'nope\n');
    symlinkSync(join(dir, 'd', 'text.txt'), join(dir, 'link.txt'));
    const items: SourceItem[] = (await collect(directoryBatches({ root: dir, maxFileSize: 1000, ignorePath: (p) => p.endsWith('.me') }))).flat();
    const summary = items.map((i) => (isSkipped(i) ? `${i.path}:${i.reason}:${i.bytes}` : `${i.path}=${i.text}`));
    expect(summary).toEqual(['big.txt:too-large:2000', 'bin.dat:binary:5', 'd/text.txt=hello\n', 'skip.me:ignored-path:5']);
  });

  it('hands files over in batches of at most 256, in path order', async () => {
    const dir = makeTempDir('src-batches');
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    for (let i = 0; i < 300; i++) writeFileSync(join(dir, `f${String(i).padStart(3, '0')}.txt`), `file ${i}\n`);
    const batches = await collect(directoryBatches({ root: dir }));
    expect(batches.map((b) => b.length)).toEqual([256, 44]);
    expect(batches.flat().map((i) => i.path)).toEqual(Array.from({ length: 300 }, (_, i) => `f${String(i).padStart(3, '0')}.txt`));
  });

  it('reads just the files a caller listed already', async () => {
    const dir = makeTempDir('src-listed');
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    for (const name of ['a.txt', 'b.txt', 'c.txt']) writeFileSync(join(dir, name), `${name}\n`);
    const items = (await collect(directoryBatches({ root: dir, files: ['a.txt', 'c.txt'] }))).flat();
    expect(items.map((i) => i.path)).toEqual(['a.txt', 'c.txt']);
  });

  it('estimates a tree\'s bytes from a spread of its files, each capped at the size limit', async () => {
    const dir = makeTempDir('src-estimate');
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    // Up to 64 files, every one is looked at: the estimate is exact.
    writeFileSync(join(dir, 'small.txt'), 'x'.repeat(100));
    writeFileSync(join(dir, 'big.txt'), 'x'.repeat(5000));
    expect(estimateBytes(dir, ['small.txt', 'big.txt'], 10_000)).toBe(5100);
    expect(estimateBytes(dir, ['small.txt', 'big.txt'], 1000)).toBe(1100);
    expect(estimateBytes(dir, ['small.txt', 'gone.txt'], 10_000)).toBe(100);
    expect(estimateBytes(dir, [], 10_000)).toBe(0);
    // 640 files of 1 KB and 2 KB alternating: a spread of 64 still gives about 960 KB.
    const many = Array.from({ length: 640 }, (_, i) => `m${String(i).padStart(3, '0')}.txt`);
    many.forEach((name, i) => writeFileSync(join(dir, name), 'y'.repeat(i % 2 === 0 ? 1024 : 2048)));
    const estimate = estimateBytes(dir, many, 10_000);
    expect(estimate).toBeGreaterThan(640 * 1024 * 0.9);
    expect(estimate).toBeLessThan(640 * 2048 * 1.1);
  });
});

describe('stagedFragments', () => {
  it('yields only added lines of the index, with line numbers, ignoring unstaged edits', async () => {
    const repo = makeGitRepo('src-staged');
    cleanups.push(repo.cleanup);
    repo.commit('init', { 'a.txt': '1\n2\n3\n', 'gone.txt': 'bye\n' });
    repo.write('a.txt', '1\n2\nnew three\n3\nnew five\n');
    repo.git('add', 'a.txt');
    repo.write('a.txt', '1\n2\nnew three\n3\nnew five\nunstaged\n');
    repo.git('rm', '-q', 'gone.txt');
    repo.write('bin.png', Buffer.from([0, 1, 2, 0]));
    repo.git('add', 'bin.png');
    const binaries: string[] = [];
    const frags = await collect(stagedFragments({ repoDir: repo.dir, onBinary: (b) => binaries.push(b.path) }));
    expect(frags.map(decoded)).toEqual([{ path: 'a.txt', text: 'new three\nnew five', lineNumbers: [3, 5], knownText: true }]);
    expect(binaries).toEqual(['bin.png']);
  });

  it('works before the first commit', async () => {
    const repo = makeGitRepo('src-staged-fresh');
    cleanups.push(repo.cleanup);
    repo.write('first.txt', 'hello\n');
    repo.git('add', 'first.txt');
    expect((await collect(stagedFragments({ repoDir: repo.dir }))).map(decoded)).toEqual([{ path: 'first.txt', text: 'hello', lineNumbers: [1], knownText: true }]);
  });
});

describe('stdinItems', () => {
  it('reads text, skips binary and over-limit input', async () => {
    const items = await collect(stdinItems(Readable.from([Buffer.from('a\n'), Buffer.from('b\n')])));
    expect(items.map((i) => (isSkipped(i) ? i : decoded(i)))).toEqual([{ path: '<stdin>', text: 'a\nb\n', knownText: true }]);
    expect(await collect(stdinItems(Readable.from([Buffer.from([0, 1, 0, 2])])))).toEqual([{ path: '<stdin>', reason: 'binary', bytes: 4 }]);
    expect(await collect(stdinItems(Readable.from([Buffer.from('x'.repeat(50))]), 10))).toEqual([{ path: '<stdin>', reason: 'too-large', bytes: 50 }]);
  });
});
