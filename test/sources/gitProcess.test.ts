import { chmodSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitChunks, GitError } from '../../src/sources/gitProcess.js';
import { makeGitRepo, makeTempDir, type GitFixture } from './gitFixture.js';

async function output(chunks: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}

/** Compared as text: a deep equality over a Buffer's bytes takes seconds. */
async function outputText(chunks: AsyncIterable<Buffer>): Promise<string> {
  return (await output(chunks)).toString('latin1');
}

/** A stand-in for stdbuf: a shell script that exits with `code` and says why on stderr. */
function fakeStdbuf(dir: string, name: string, code: number): string {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\ntouch "$0.ran"\necho "stdbuf: stand-in failing with ${code}" >&2\nexit ${code}\n`);
  chmodSync(path, 0o755);
  return path;
}

describe('gitChunks', () => {
  let repo: GitFixture;
  let bin: string;
  const LOG = ['log', '-p', '--format=%H %s'];

  beforeAll(() => {
    repo = makeGitRepo('git-process');
    // Enough output (~300 KB) for git's 4 KB writes and the bulk blocks to differ.
    for (let c = 0; c < 30; c++) {
      const lines = Array.from({ length: 400 }, (_, i) => `commit ${c} line ${i} ${'x'.repeat(i % 13)}`);
      repo.commit(`change ${c}`, { [`f${c % 4}.txt`]: lines.join('\n') + '\n' });
    }
    bin = makeTempDir('git-process-bin');
  });
  afterAll(() => {
    repo.cleanup();
    rmSync(bin, { recursive: true, force: true });
  });

  it('gives the same bytes in bulk mode as plain git writes them', async () => {
    const plain = await outputText(gitChunks(LOG, repo.dir));
    expect(plain.length).toBeGreaterThan(256 * 1024);
    expect(await outputText(gitChunks(LOG, repo.dir, { bulk: true }))).toBe(plain);
  });

  it('runs git directly when stdbuf is missing or fails on its own', async () => {
    const plain = await outputText(gitChunks(LOG, repo.dir));
    expect(await outputText(gitChunks(LOG, repo.dir, { bulk: true, stdbuf: join(bin, 'no-such-stdbuf') }))).toBe(plain);
    const broken = fakeStdbuf(bin, 'broken-stdbuf', 125);
    expect(await outputText(gitChunks(LOG, repo.dir, { bulk: true, stdbuf: broken }))).toBe(plain);
    expect(existsSync(`${broken}.ran`)).toBe(true);
    // Remembered: the broken one is not run again.
    rmSync(`${broken}.ran`);
    expect(await outputText(gitChunks(LOG, repo.dir, { bulk: true, stdbuf: broken }))).toBe(plain);
    expect(existsSync(`${broken}.ran`)).toBe(false);
  });

  it('says git could not run when stdbuf cannot start it, or git is not on PATH', async () => {
    const noGit = fakeStdbuf(bin, 'no-git-stdbuf', 127);
    await expect(output(gitChunks(LOG, repo.dir, { bulk: true, stdbuf: noGit }))).rejects.toThrow(/could not run git \(stdbuf: stand-in failing with 127\); is git installed/);
    const path = process.env.PATH;
    process.env.PATH = bin;
    try {
      const err = await output(gitChunks(LOG, repo.dir)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GitError);
      expect((err as Error).message).toMatch(/could not run git .*ENOENT.*is git installed/);
    } finally {
      process.env.PATH = path;
    }
  });

  it('reports git failures with git\'s first line of stderr', async () => {
    await expect(output(gitChunks(['log', 'no-such-revision', '--'], repo.dir, { bulk: true }))).rejects.toThrow(/git log failed: fatal: bad revision 'no-such-revision'/);
  });
});
