// The CLI with dist/keyword-automaton.bin as built, missing, truncated or of other bytes: the
// same findings every time (a blob it cannot use is refused and the automaton built). Runs a
// copy of the package, so the worktree's dist/ is never touched.
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../sources/gitFixture.js';
import { assertBuilt, serviceToken } from './runCli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('keywarden scan with the serialized keyword automaton', () => {
  let pkg: string;
  let data: string;
  let blob: Buffer;
  const bin = () => join(pkg, 'dist', 'keyword-automaton.bin');

  const scan = (...extra: string[]): string[] => {
    const r = spawnSync(process.execPath, [join(pkg, 'bin', 'keywarden.js'), 'scan', data, '--format', 'json', '--no-progress', ...extra], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    expect(r.status, r.stderr).toBe(1);
    return (JSON.parse(r.stdout) as { findings: { ruleId: string; path: string; line: number }[] }).findings.map((f) => `${f.ruleId} ${f.path}:${f.line}`).sort();
  };

  beforeAll(() => {
    assertBuilt();
    pkg = makeTempDir('automaton-pkg');
    for (const part of ['bin', 'dist', 'rules', 'package.json']) cpSync(join(ROOT, part), join(pkg, part), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(pkg, 'node_modules'));
    blob = readFileSync(bin());
    data = makeTempDir('automaton-data');
    mkdirSync(join(data, 'src'));
    // Files past a few KB are scanned with keyword positions: the automaton is needed.
    for (let i = 0; i < 4; i++) {
      const filler = Array.from({ length: 300 }, (_, n) => `const value${n} = compute(${n}); // password handling ${i}`).join('\n');
      writeFileSync(join(data, 'src', `f${i}.js`), `${filler}\nconst key = "${serviceToken(40 + i)}";\n${filler}\n`);
    }
  });
  afterAll(() => {
    rmSync(pkg, { recursive: true, force: true });
    rmSync(data, { recursive: true, force: true });
  });

  it('finds the same with the blob as built, missing, truncated or overwritten, in-process and in workers', () => {
    const expected = scan();
    expect(expected).toHaveLength(4);
    expect(scan('--threads', '2')).toEqual(expected);

    rmSync(bin());
    expect(scan()).toEqual(expected);

    writeFileSync(bin(), blob.subarray(0, blob.length >> 1));
    expect(scan()).toEqual(expected);
    expect(scan('--threads', '2')).toEqual(expected);

    writeFileSync(bin(), Buffer.from('not an automaton'));
    expect(scan()).toEqual(expected);
  });
});
