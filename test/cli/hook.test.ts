import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { makeGitRepo, type GitFixture } from '../sources/gitFixture.js';
import { assertBuilt, runCli, serviceToken } from './runCli.js';

function commit(repo: GitFixture, message: string, env: NodeJS.ProcessEnv = {}): { code: number | null; output: string } {
  // A real `git commit`, so git runs the hook exactly as it would for a user.
  const r = spawnSync('git', ['commit', '-m', message], { cwd: repo.dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', HOME: repo.dir, ...env } });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

const FOREIGN = '#!/bin/sh\necho "foreign hook ran" >> "$(git rev-parse --git-dir)/foreign.log"\nexit 0\n';

describe('keywarden hook', () => {
  const repos: GitFixture[] = [];
  const newRepo = (): GitFixture => {
    const r = makeGitRepo('hook');
    repos.push(r);
    r.commit('init', { 'README.md': 'hello\n' });
    return r;
  };
  beforeAll(() => assertBuilt());
  afterEach(() => {
    for (const r of repos.splice(0)) r.cleanup();
  });

  it('blocks a real commit that adds a secret, explains how to allowlist, and lets a clean one through', async () => {
    const repo = newRepo();
    const installed = await runCli(['hook', 'install'], { cwd: repo.dir });
    expect(installed.code).toBe(0);
    expect(installed.stdout).toContain('pre-commit hook installed');
    const token = serviceToken(50);
    repo.write('config/app.env', `NAME=demo\nSERVICE_KEY=${token}\n`);
    repo.git('add', 'config/app.env');
    const blocked = commit(repo, 'add config');
    expect(blocked.code).not.toBe(0);
    expect(blocked.output).toContain('config/app.env:2:13');
    expect(blocked.output).toContain('keywarden-secret-key-live');
    expect(blocked.output).toMatch(/fingerprint: config\/app\.env:keywarden-secret-key-live:[0-9a-f]{16}\n/);
    expect(blocked.output).toContain('keywarden:allow');
    expect(blocked.output).toContain('.keywardenignore');
    expect(blocked.output).toContain('commit blocked');
    expect(blocked.output).not.toContain(token);
    expect(repo.git('rev-list', '--count', 'HEAD').trim()).toBe('1');

    // The inline allow comment lets the same line through.
    repo.write('config/app.env', `NAME=demo\nSERVICE_KEY=${token} # keywarden:allow\n`);
    repo.git('add', 'config/app.env');
    expect(commit(repo, 'allowed').code).toBe(0);

    repo.write('notes.txt', 'nothing secret\n');
    repo.git('add', 'notes.txt');
    const clean = commit(repo, 'clean');
    expect(clean.code).toBe(0);
    expect(repo.git('rev-list', '--count', 'HEAD').trim()).toBe('3');
  });

  it('starts node without NODE_EXTRA_CA_CERTS: the scan needs no TLS, and node would parse the bundle', async () => {
    const repo = newRepo();
    expect((await runCli(['hook', 'install'], { cwd: repo.dir })).code).toBe(0);
    repo.write('plain.txt', 'nothing secret\n');
    repo.git('add', 'plain.txt');
    // Node warns on start-up when it cannot load the file: the hook's node never sees it.
    const missing = join(repo.dir, 'no-such-ca.pem');
    const warned = spawnSync(process.execPath, ['-e', '0'], { encoding: 'utf8', env: { ...process.env, NODE_EXTRA_CA_CERTS: missing } });
    expect(warned.stderr).toContain('no-such-ca.pem');
    const r = commit(repo, 'clean', { NODE_EXTRA_CA_CERTS: missing });
    expect(r.code).toBe(0);
    expect(r.output).not.toContain('no-such-ca.pem');
  });

  it('honours core.hooksPath', async () => {
    const repo = newRepo();
    repo.git('config', 'core.hooksPath', '.githooks');
    expect((await runCli(['hook', 'install'], { cwd: repo.dir })).code).toBe(0);
    expect(existsSync(join(repo.dir, '.githooks', 'pre-commit'))).toBe(true);
    repo.write('k.txt', `${serviceToken(51)}\n`);
    repo.git('add', 'k.txt');
    expect(commit(repo, 'leak').code).not.toBe(0);
  });

  it('refuses to overwrite a foreign hook; --force replaces it with a backup', async () => {
    const repo = newRepo();
    const hook = join(repo.dir, '.git', 'hooks', 'pre-commit');
    writeFileSync(hook, FOREIGN);
    chmodSync(hook, 0o755);
    const refused = await runCli(['hook', 'install'], { cwd: repo.dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/is not keywarden's; rerun with --chain .* or --force/);
    expect(readFileSync(hook, 'utf8')).toBe(FOREIGN);
    const forced = await runCli(['hook', 'install', '--force'], { cwd: repo.dir });
    expect(forced.code).toBe(0);
    expect(readFileSync(hook, 'utf8')).toContain('keywarden-hook');
    expect(readFileSync(`${hook}.keywarden-backup`, 'utf8')).toBe(FOREIGN);
    // reinstalling over our own hook is fine
    expect((await runCli(['hook', 'install'], { cwd: repo.dir })).stdout).toContain('hook updated');
    const removed = await runCli(['hook', 'uninstall'], { cwd: repo.dir });
    expect(removed.code).toBe(0);
    expect(existsSync(hook)).toBe(false);
    expect((await runCli(['hook', 'uninstall'], { cwd: repo.dir })).stdout).toContain('no hook to remove');
  });

  it('--chain keeps the existing hook, runs it first, and uninstall restores it', async () => {
    const repo = newRepo();
    const hook = join(repo.dir, '.git', 'hooks', 'pre-commit');
    writeFileSync(hook, FOREIGN);
    chmodSync(hook, 0o755);
    expect((await runCli(['hook', 'install', '--chain'], { cwd: repo.dir })).code).toBe(0);
    repo.write('ok.txt', 'fine\n');
    repo.git('add', 'ok.txt');
    expect(commit(repo, 'ok').code).toBe(0);
    const log = join(repo.dir, '.git', 'foreign.log');
    expect(readFileSync(log, 'utf8')).toBe('foreign hook ran\n');
    repo.write('bad.txt', `${serviceToken(52)}\n`);
    repo.git('add', 'bad.txt');
    expect(commit(repo, 'leak').code).not.toBe(0);
    expect(readFileSync(log, 'utf8')).toBe('foreign hook ran\nforeign hook ran\n');
    // a failing chained hook stops the commit before keywarden runs
    writeFileSync(`${hook}.keywarden-chained`, '#!/bin/sh\necho chained says no\nexit 3\n');
    repo.git('rm', '-q', '--cached', 'bad.txt');
    repo.write('fine2.txt', 'ok\n');
    repo.git('add', 'fine2.txt');
    const stopped = commit(repo, 'stopped');
    expect(stopped.code).not.toBe(0);
    expect(stopped.output).toContain('chained says no');
    const un = await runCli(['hook', 'uninstall'], { cwd: repo.dir });
    expect(un.stdout).toContain('the previous hook is back');
    expect(readFileSync(hook, 'utf8')).toContain('chained says no');
  });

  it('uninstall leaves a foreign hook alone; install outside a repository fails clearly', async () => {
    const repo = newRepo();
    const hook = join(repo.dir, '.git', 'hooks', 'pre-commit');
    writeFileSync(hook, FOREIGN);
    const r = await runCli(['hook', 'uninstall'], { cwd: repo.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("is not keywarden's hook; leaving it alone");
    expect(readFileSync(hook, 'utf8')).toBe(FOREIGN);
    const outside = execFileSync('mktemp', ['-d'], { encoding: 'utf8' }).trim();
    const o = await runCli(['hook', 'install'], { cwd: outside, env: { GIT_CEILING_DIRECTORIES: outside } });
    expect(o.code).toBe(2);
    expect(o.stderr).toMatch(/not inside a git repository/);
    rmSync(outside, { recursive: true, force: true });
  });
});
