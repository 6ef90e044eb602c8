// The pre-commit hook runs from dist/cli/main.bundle.cjs (scripts/bundleHook.mjs), other
// commands from the compiled modules: both must report exactly alike.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { awsKeyId, makeGitRepo } from '../sources/gitFixture.js';
import { assertBuilt, runCli, serviceToken, type CliResult } from './runCli.js';

const MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const BUNDLE = fileURLToPath(new URL('../../dist/cli/main.bundle.cjs', import.meta.url));

function runCompiled(cwd: string): CliResult {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
  delete env.CI;
  const r = spawnSync(process.execPath, [MAIN, 'scan', '--staged'], { cwd, env, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// Durations differ from run to run.
const same = (r: CliResult): CliResult => ({ ...r, stdout: r.stdout.replace(/\d+\.\d+ s$/gm, 'N s'), stderr: r.stderr.replace(/\d+\.\d+ s$/gm, 'N s') });

describe('the bundled pre-commit hook', () => {
  it('reports exactly what the compiled modules report', async () => {
    assertBuilt();
    expect(existsSync(BUNDLE)).toBe(true);
    const repo = makeGitRepo('cli-hook-bundle');
    try {
      repo.commit('init', { 'README.md': 'hello\n' });
      const cases: Array<() => void> = [
        () => undefined, // nothing staged
        () => {
          repo.write('clean.ts', 'export const answer = 42;\n');
          repo.git('add', 'clean.ts');
        },
        () => {
          repo.write('conf.env', `KEY=${serviceToken(31)}\naws_access_key_id = ${awsKeyId(3)}\n`);
          repo.write('.keywardenignore', '# none yet\n');
          repo.git('add', 'conf.env');
        },
      ];
      const codes: Array<number | null> = [];
      for (const stage of cases) {
        stage();
        const hook = same(await runCli(['scan', '--staged'], { cwd: repo.dir }));
        expect(hook).toEqual(same(runCompiled(repo.dir)));
        codes.push(hook.code);
      }
      expect(codes).toEqual([0, 0, 1]);
    } finally {
      repo.cleanup();
    }
  });
});
