// The pre-commit framework's view of this repository: .pre-commit-hooks.yaml, and the npm
// behaviour its node installer relies on (it reads `npm pack`'s stdout as the tarball's name).
// The full `pre-commit try-repo` takes minutes (npm install with dev dependencies, a build,
// npm pack, a global install): it runs only with KEYWARDEN_TEST_PRE_COMMIT=1 and pre-commit
// installed (Debian: apt-get install pre-commit), and CI does neither.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, realpathSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { awsKeyId, makeGitRepo, makeTempDir } from '../sources/gitFixture.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const hasPreCommit = spawnSync('pre-commit', ['--version'], { encoding: 'utf8' }).status === 0;

describe('pre-commit framework', () => {
  const tmp = makeTempDir('pre-commit');
  afterAll(() => spawnSync('rm', ['-rf', tmp]));

  it('.pre-commit-hooks.yaml: one node hook on the staged diff, for pre-commit 3.0+', () => {
    const hooks = parse(readFileSync(join(ROOT, '.pre-commit-hooks.yaml'), 'utf8')) as Record<string, unknown>[];
    expect(hooks).toHaveLength(1);
    expect(hooks[0]).toMatchObject({ id: 'keywarden', language: 'node', entry: 'keywarden scan --staged', pass_filenames: false, always_run: true });
    // Stage names changed in 3.2 ("commit" -> "pre-commit"); Debian 12 ships 3.0.4.
    expect(hooks[0].stages).toBeUndefined();
    expect(hooks[0].minimum_pre_commit_version).toBe('3.0.0');
  });

  it("npm pack prints only the tarball's name, prepare script and all, with this repository's .npmrc", () => {
    const pkg = join(tmp, 'pkg');
    mkdirSync(pkg);
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'probe', version: '1.0.0', scripts: { prepare: 'node -e "console.log(1)"' } }));
    const pack = (): string => spawnSync('npm', ['pack'], { cwd: pkg, encoding: 'utf8' }).stdout;
    // Without it, npm's banner ("> probe@1.0.0 prepare") comes first: what pre-commit stumbled on.
    expect(pack()).toContain('> probe@1.0.0 prepare');
    copyFileSync(join(ROOT, '.npmrc'), join(pkg, '.npmrc'));
    expect(pack()).toBe('probe-1.0.0.tgz\n');
  });

  it.runIf(hasPreCommit && process.env.KEYWARDEN_TEST_PRE_COMMIT === '1')(
    'pre-commit try-repo installs the hook from this repository and it blocks a staged leak',
    () => {
      const repo = makeGitRepo('pre-commit-try');
      try {
        repo.commit('init', { 'README.md': 'hi\n' });
        repo.write('leak.py', `aws_access_key_id = "${awsKeyId(80)}"\n`);
        repo.git('add', 'leak.py');
        // re2 from the binary this repository built (see packedInstall.test.ts), through its installer's mirror.
        const mirror = join(tmp, 'mirror');
        mkdirSync(mirror);
        const built = join(dirname(createRequire(join(ROOT, 'package.json')).resolve('re2/package.json')), 'build', 'Release', 're2.node');
        symlinkSync(realpathSync(built), join(mirror, `${process.platform}-${process.arch}-${process.versions.modules}`));
        const env: NodeJS.ProcessEnv = { ...process.env, PRE_COMMIT_HOME: join(tmp, 'home'), RE2_DOWNLOAD_MIRROR: mirror, RE2_DOWNLOAD_SKIP_PATH: '1', RE2_DOWNLOAD_SKIP_VER: '1', npm_config_prefer_offline: 'true', NO_COLOR: '1' };
        delete env.DOWNLOAD_FORCE_BUILD;
        const r = spawnSync('pre-commit', ['try-repo', ROOT, 'keywarden', '--verbose'], { cwd: repo.dir, env, encoding: 'utf8', timeout: 1_200_000 });
        const out = `${r.stdout}${r.stderr}`;
        expect(out).toContain('leak.py:1:');
        expect(out).toContain('commit blocked');
        expect(out).not.toContain(awsKeyId(80));
        expect(r.status).toBe(1);
      } finally {
        repo.cleanup();
      }
    },
    1_200_000,
  );
});
