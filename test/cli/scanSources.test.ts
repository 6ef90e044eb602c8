import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsKeyId, makeGitRepo, makeTempDir, type GitFixture } from '../sources/gitFixture.js';
import { assertBuilt, runCli, serviceToken } from './runCli.js';

interface JsonOut {
  findings: { ruleId: string; path: string; line: number; column: number; commit?: string; author?: string; email?: string; date?: string; fingerprint: string }[];
  stats: { files: number; bytes: number; skipped: number; durationMs: number };
}

const json = (s: string): JsonOut => JSON.parse(s) as JsonOut;

describe('keywarden scan PATH', () => {
  let repo: GitFixture;
  const tracked = serviceToken(1);
  const ignored = serviceToken(2);

  beforeAll(() => {
    assertBuilt();
    repo = makeGitRepo('cli-dir');
    repo.commit('init', {
      '.gitignore': 'secret.log\nbuild/\n',
      'src/config.js': `// config\nconst key = "${tracked}";\n`,
      'README.md': 'nothing to see\n',
    });
    repo.write('secret.log', `token=${ignored}\n`);
    repo.write('build/out.js', `x = "${ignored}"\n`);
    repo.write('untracked.txt', `aws_access_key_id = ${awsKeyId(7)}\n`);
    repo.write('image.png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0, 1, 2, 3]));
    repo.write('big.txt', 'a'.repeat(3000) + '\n');
  });
  afterAll(() => repo.cleanup());

  it('scans tracked and untracked files, honours .gitignore, skips binaries and large files, exits 1', async () => {
    const r = await runCli(['scan', '.', '--format', 'json', '--max-file-size', '2KB'], { cwd: repo.dir });
    expect(r.code).toBe(1);
    const out = json(r.stdout);
    const hits = out.findings.map((f) => `${f.path}:${f.line}`).sort();
    expect(hits).toEqual(['src/config.js:2', 'untracked.txt:1']);
    expect(out.findings.find((f) => f.path === 'src/config.js')?.column).toBe(14);
    expect(out.stats.skipped).toBe(2); // image.png (binary), big.txt (too large)
    expect(out.stats.files).toBe(4); // .gitignore, README.md, src/config.js, untracked.txt
  });

  it('--no-gitignore also scans what .gitignore excludes', async () => {
    const r = await runCli(['scan', '--no-gitignore', '-f', 'json'], { cwd: repo.dir });
    expect(r.code).toBe(1);
    const paths = json(r.stdout).findings.map((f) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['secret.log', 'build/out.js', 'src/config.js']));
    expect(paths.some((p) => p.startsWith('.git/'))).toBe(false);
  });

  it('walks a directory outside git, and scans a single file', async () => {
    const dir = makeTempDir('cli-plain');
    mkdirSync(join(dir, 'nested'));
    writeFileSync(join(dir, 'nested', 'k.env'), `KEY=${serviceToken(3)}\n`);
    writeFileSync(join(dir, 'clean.txt'), 'hello\n');
    const r = await runCli(['scan', dir, '-f', 'json'], { cwd: repo.dir });
    expect(r.code).toBe(1);
    expect(json(r.stdout).findings.map((f) => f.path)).toEqual(['nested/k.env']);
    const single = await runCli(['scan', join(dir, 'clean.txt')], { cwd: repo.dir });
    expect(single.code).toBe(0);
    expect(single.stdout).toContain('no leaks found in 1 file,');
  });

  it('warns loudly when it scanned nothing', async () => {
    const dir = makeTempDir('cli-empty');
    const r = await runCli(['scan', dir], { cwd: dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('keywarden: warning: scanned nothing (0 files, 0 bytes)');
  });

  it('reads stdin with "-"', async () => {
    const hit = await runCli(['scan', '-', '-f', 'json'], { cwd: repo.dir, input: `line one\npassword: x\nkey ${serviceToken(4)}\n` });
    expect(hit.code).toBe(1);
    expect(json(hit.stdout).findings.map((f) => [f.path, f.line])).toEqual([['<stdin>', 3]]);
    const clean = await runCli(['scan', '-'], { cwd: repo.dir, input: 'nothing here\n' });
    expect(clean.code).toBe(0);
  });

  it('exits 2 with a one-line reason on usage errors', async () => {
    const missing = await runCli(['scan', 'no/such/dir'], { cwd: repo.dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('no/such/dir: no such file or directory');
    const clash = await runCli(['scan', '--staged', '--git'], { cwd: repo.dir });
    expect(clash.code).toBe(2);
    expect(clash.stderr).toMatch(/pick one/);
    const badFormat = await runCli(['scan', '-f', 'xml'], { cwd: repo.dir });
    expect(badFormat.code).toBe(2);
    const badSize = await runCli(['scan', '--max-file-size', 'huge'], { cwd: repo.dir });
    expect(badSize.code).toBe(2);
    expect(badSize.stderr).toContain('--max-file-size');
  });
});

describe('keywarden scan --git', () => {
  let repo: GitFixture;
  const sha: Record<string, string> = {};
  const early = serviceToken(10);
  const late = serviceToken(11);
  const side = serviceToken(12);

  beforeAll(() => {
    assertBuilt();
    repo = makeGitRepo('cli-git');
    sha.a = repo.commit('add config', { 'app/config.py': `import os\n\nAPI = "${early}"\n` });
    sha.b = repo.commit('remove the key', { 'app/config.py': 'import os\n\nAPI = os.environ["API"]\n' });
    sha.c = repo.commit('another', { 'notes/ä b.txt': `one\ntwo\nthree ${late}\n` });
    repo.git('checkout', '-q', '-b', 'side');
    sha.side = repo.commit('side', { 'side.txt': `${side}\n` });
    repo.git('checkout', '-q', 'main');
  });
  afterAll(() => repo.cleanup());

  it('finds keys removed from the tree long ago, with commit, author, email and date', async () => {
    const clean = await runCli(['scan', '.'], { cwd: repo.dir });
    expect(clean.code).toBe(1); // the later key is still in the tree
    const r = await runCli(['scan', '--git', '-f', 'json'], { cwd: repo.dir });
    expect(r.code).toBe(1);
    const out = json(r.stdout);
    const a = out.findings.find((f) => f.commit === sha.a);
    expect(a).toMatchObject({ path: 'app/config.py', line: 3, author: 'Ada Lovelace', email: 'ada@example.com' });
    expect(a?.date).toMatch(/^\d{4}-/);
    expect(a?.fingerprint.startsWith(`${sha.a}:`)).toBe(true);
    expect(out.findings.find((f) => f.commit === sha.c)).toMatchObject({ path: 'notes/ä b.txt', line: 3 });
    expect(out.findings.some((f) => f.commit === sha.side)).toBe(false);
  });

  it('narrows with --range and --since, widens with --all', async () => {
    const range = json((await runCli(['scan', '--range', `${sha.b}..${sha.c}`, '-f', 'json'], { cwd: repo.dir })).stdout);
    expect(range.findings.map((f) => f.commit)).toEqual([sha.c]);
    const since = json((await runCli(['scan', '--git', '--since', sha.a, '-f', 'json'], { cwd: repo.dir })).stdout);
    expect(since.findings.map((f) => f.commit)).toEqual([sha.c]);
    const none = await runCli(['scan', '--since', sha.c, '-f', 'json'], { cwd: repo.dir });
    expect(none.code).toBe(0);
    expect(none.stderr).toContain('scanned nothing');
    const all = json((await runCli(['scan', '--all', '-f', 'json'], { cwd: repo.dir })).stdout);
    expect(all.findings.map((f) => f.commit).sort()).toEqual([sha.a, sha.c, sha.side].sort());
  });

  it('text report shows the commit and author', async () => {
    const r = await runCli(['scan', '--git', '--range', `${sha.a}~0^!`], { cwd: repo.dir });
    expect(r.stdout).toContain(`app/config.py:3:8`);
    expect(r.stdout).toContain(`commit:      ${sha.a.slice(0, 12)} by Ada Lovelace <ada@example.com>`);
    expect(r.stdout).toMatch(/in 1 file of 1 commit,/);
  });

  it('finds the same, in the same order, with a worker pool (--threads)', async () => {
    const inProcess = await runCli(['scan', '--all', '--threads', '0', '-f', 'json'], { cwd: repo.dir });
    const pooled = await runCli(['scan', '--all', '--threads', '2', '-f', 'json'], { cwd: repo.dir });
    expect(pooled.code).toBe(1);
    expect(json(pooled.stdout).findings).toEqual(json(inProcess.stdout).findings);
    expect(json(pooled.stdout).findings).toHaveLength(3);
    const bad = await runCli(['scan', '--git', '--threads', 'many'], { cwd: repo.dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--threads');
  });

  it('exits 2 on a bad range', async () => {
    const r = await runCli(['scan', '--range', 'nope..nothing'], { cwd: repo.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^keywarden: git log failed: .*bad revision/);
  });
});

describe('keywarden scan --staged', () => {
  it('scans only what the index adds', async () => {
    assertBuilt();
    const repo = makeGitRepo('cli-staged');
    try {
      repo.commit('init', { 'old.txt': `committed ${serviceToken(20)}\n` });
      const nothing = await runCli(['scan', '--staged'], { cwd: repo.dir });
      expect(nothing.code).toBe(0);
      // An empty index is an ordinary state (git commit --allow-empty): nothing to say.
      expect(nothing.stderr).toBe('');
      expect(nothing.stdout).toBe('');
      repo.write('new.txt', `a\nb\nstaged ${serviceToken(21)}\n`);
      repo.write('unstaged.txt', `not staged ${serviceToken(22)}\n`);
      repo.git('add', 'new.txt');
      const r = await runCli(['scan', '--staged', '-f', 'json'], { cwd: repo.dir });
      expect(r.code).toBe(1);
      expect(json(r.stdout).findings.map((f) => `${f.path}:${f.line}`)).toEqual(['new.txt:3']);
      expect(r.stderr).toContain('commit blocked');
    } finally {
      repo.cleanup();
    }
  });
});
