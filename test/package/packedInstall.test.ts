// The package as a user gets it: `npm pack`, then installed into another repository
// (`npm i -D ./keywarden-0.1.0.tgz`) and globally (`npm i -g`, into a temporary prefix). There
// it scans, installs the pre-commit hook, and the hook blocks a commit with keywarden not on
// PATH. The install must satisfy our engines on this Node (no EBADENGINE).
//
// Network: the npm registry only, and npm's cache first (--prefer-offline). re2 is native:
// its installer (install-artifact-from-github) is pointed at a local "mirror" holding the
// re2.node this repository already built, so it neither downloads a binary nor compiles for
// minutes; it still runs re2's own verify-build on what it copied.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsKeyId, makeGitRepo, makeTempDir, type GitFixture } from '../sources/gitFixture.js';
import { assertBuilt } from '../cli/runCli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const INSTALL_TIMEOUT = 300_000;

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, env, encoding: 'utf8', timeout: INSTALL_TIMEOUT });
}

/** A directory laid out as re2's installer expects a download mirror: `<platform>-<arch>-<abi>`. */
function re2Mirror(dir: string): string {
  const built = join(dirname(createRequire(join(ROOT, 'package.json')).resolve('re2/package.json')), 'build', 'Release', 're2.node');
  mkdirSync(dir, { recursive: true });
  symlinkSync(realpathSync(built), join(dir, `${process.platform}-${process.arch}-${process.versions.modules}`));
  return dir;
}

describe('the packed package, installed elsewhere', () => {
  const tmp = makeTempDir('pack');
  let tarball: string;
  let env: NodeJS.ProcessEnv;
  const repos: GitFixture[] = [];
  // The user's PATH without keywarden: git and node only (both live in /usr/bin here).
  const PATH = [dirname(process.execPath), '/usr/bin', '/bin'].join(':');

  beforeAll(() => {
    assertBuilt();
    env = { ...process.env, NO_COLOR: '1', RE2_DOWNLOAD_MIRROR: re2Mirror(join(tmp, 'mirror')), RE2_DOWNLOAD_SKIP_PATH: '1', RE2_DOWNLOAD_SKIP_VER: '1' };
    // A forced build would compile re2 for minutes instead of taking the mirror's copy.
    delete env.DOWNLOAD_FORCE_BUILD;
    delete env.npm_config_global;
    // dist/ is built already (pretest); prepare would build it again.
    const packed = run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], ROOT, env);
    expect(packed.status, packed.stderr).toBe(0);
    tarball = join(tmp, (JSON.parse(packed.stdout) as { filename: string }[])[0].filename);
  }, INSTALL_TIMEOUT);
  // Two installed dependency trees to delete: more than the default minute on a busy machine.
  afterAll(() => {
    for (const r of repos) r.cleanup();
    rmSync(tmp, { recursive: true, force: true });
  }, INSTALL_TIMEOUT);

  it('ships compiled dist/, the CLI bundle, the rules, the rule cache and the keyword automaton, and no local caches', () => {
    const listed = run('tar', ['-tzf', tarball], tmp, env).stdout.split('\n');
    for (const file of ['package/bin/keywarden.js', 'package/dist/cli/main.js', 'package/dist/cli/main.bundle.cjs', 'package/dist/rules-cache.json', 'package/dist/keyword-automaton.bin', 'package/dist/scan/parallelWorker.js']) {
      expect(listed, file).toContain(file);
    }
    const rules = readdirSync(join(ROOT, 'rules')).filter((f) => f.endsWith('.toml'));
    expect(rules.length).toBeGreaterThan(5);
    for (const r of rules) expect(listed).toContain(`package/rules/${r}`);
    expect(listed.filter((f) => f.endsWith('.v8cache') || f.startsWith('package/src/') || f.startsWith('package/test/'))).toEqual([]);
  });

  it('npm i -D: installs without engine warnings, scans, installs the hook, and the hook blocks a commit', () => {
    const repo = makeGitRepo('pack-dev');
    repos.push(repo);
    repo.commit('init', { '.gitignore': 'node_modules/\n', 'package.json': '{ "name": "someone-elses-app", "version": "1.0.0", "private": true }\n' });
    const installed = run('npm', ['install', '-D', '--prefer-offline', '--no-audit', '--no-fund', tarball], repo.dir, env);
    expect(installed.status, installed.stderr).toBe(0);
    // Our engines say Node >= 20.18.1: every package a user gets must accept this Node.
    expect(installed.stderr).not.toContain('EBADENGINE');

    repo.write('config.py', `aws_access_key_id = "${awsKeyId(60)}"\n`);
    const scan = run('npx', ['keywarden', 'scan', '.'], repo.dir, env);
    expect(scan.status, scan.stderr).toBe(1);
    expect(scan.stdout).toContain('config.py:1:');
    expect(scan.stdout).toContain('aws-access-key-id');
    expect(scan.stdout).not.toContain(awsKeyId(60));

    const hook = run('npx', ['keywarden', 'hook', 'install'], repo.dir, env);
    expect(hook.status, hook.stderr).toBe(0);
    const resolved = realpathSync(join(repo.dir, 'node_modules', 'keywarden', 'bin', 'keywarden.js'));
    expect(hook.stdout).toContain(`the hook runs ${process.execPath} ${resolved}`);

    repo.git('add', 'config.py');
    const blocked = run('git', ['commit', '-m', 'leak'], repo.dir, { ...env, PATH, HOME: repo.dir });
    expect(blocked.status).not.toBe(0);
    expect(`${blocked.stdout}${blocked.stderr}`).toContain('commit blocked');
    expect(repo.git('rev-list', '--count', 'HEAD').trim()).toBe('1');
  }, INSTALL_TIMEOUT);

  it('npm i -g: the global command installs a hook that works with keywarden not on PATH', () => {
    const prefix = join(tmp, 'global');
    const installed = run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', tarball], tmp, env);
    expect(installed.status, installed.stderr).toBe(0);
    expect(installed.stderr).not.toContain('EBADENGINE');
    const keywarden = join(prefix, 'bin', 'keywarden');

    const repo = makeGitRepo('pack-global');
    repos.push(repo);
    repo.commit('init', { 'README.md': 'hello\n' });
    const version = run(keywarden, ['--version'], repo.dir, env);
    expect(version.stdout.trim()).toBe('0.1.0');
    const hook = run(keywarden, ['hook', 'install'], repo.dir, env);
    expect(hook.status, hook.stderr).toBe(0);
    expect(hook.stdout).toContain(`the hook runs ${process.execPath} ${realpathSync(join(prefix, 'lib', 'node_modules', 'keywarden', 'bin', 'keywarden.js'))}`);

    writeFileSync(join(repo.dir, 'settings.env'), `AWS_ACCESS_KEY_ID=${awsKeyId(61)}\n`);
    repo.git('add', 'settings.env');
    const noKeywarden = run('sh', ['-c', 'command -v keywarden || echo absent'], repo.dir, { ...env, PATH });
    expect(noKeywarden.stdout.trim()).toBe('absent');
    const blocked = run('git', ['commit', '-m', 'leak'], repo.dir, { ...env, PATH, HOME: repo.dir });
    expect(blocked.status).not.toBe(0);
    expect(`${blocked.stdout}${blocked.stderr}`).toContain('settings.env:1:');
    expect(`${blocked.stdout}${blocked.stderr}`).toContain('commit blocked');
  }, INSTALL_TIMEOUT);
});
