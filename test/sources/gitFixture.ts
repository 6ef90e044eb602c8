// Real git repositories for tests, in temp dirs, with a local identity so commits work
// whatever the machine's global git config says.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface GitFixture {
  dir: string;
  git(...args: string[]): string;
  write(path: string, content: string | Buffer): void;
  commit(message: string, files?: Record<string, string | Buffer>): string;
  cleanup(): void;
}

export function makeTempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `kw-${label}-`));
}

export function makeGitRepo(label: string, env: Record<string, string> = {}): GitFixture {
  const dir = makeTempDir(label);
  const git = (...args: string[]): string =>
    execFileSync('git', args, {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: dir, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  git('init', '-q', '-b', 'main');
  git('config', 'user.name', 'Ada Lovelace');
  git('config', 'user.email', 'ada@example.com');
  git('config', 'commit.gpgsign', 'false');
  const write = (path: string, content: string | Buffer): void => {
    const full = join(dir, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  };
  const commit = (message: string, files: Record<string, string | Buffer> = {}): string => {
    for (const [p, c] of Object.entries(files)) write(p, c);
    git('add', '-A');
    git('commit', '-q', '--allow-empty', '-m', message);
    return git('rev-parse', 'HEAD').trim();
  };
  return { dir, git, write, commit, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** An AWS access key id look-alike: AKIA + 16 of [A-Z2-7]; `seed` varies it. */
export function awsKeyId(seed = 0): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let out = 'AKIA';
  let x = 0x9e3779b1 ^ (seed * 2654435761);
  for (let i = 0; i < 16; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out += alphabet[(x >>> 16) % 32];
  }
  return out;
}
