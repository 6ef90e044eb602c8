// Suppressions that hold (issue 16): a baseline or a pasted fingerprint silences the secret,
// whatever rule reports it once the first is gone; the files keywarden reads itself are never
// scanned; and the small things a daily user meets (summary with -o, sorted findings, quiet
// empty commits, --verbose skipped lines).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { awsKeyId, makeGitRepo, type GitFixture } from '../sources/gitFixture.js';
import { assertBuilt, runCli, serviceToken } from './runCli.js';

interface JsonFinding {
  ruleId: string;
  path: string;
  line: number;
  column: number;
  fingerprint: string;
}
interface JsonOut {
  findings: JsonFinding[];
  stats: { files: number; skipped: number };
}
const json = (s: string): JsonOut => JSON.parse(s) as JsonOut;

/**
 * Secrets that more than one rule reports: a specific rule wins the dedupe, and a catch-all
 * (api-or-secret-key-assignment, url-embedded-credentials, generic-secret-assignment) matches
 * the same text. Line 1 is found by a catch-all and line 2 by a keyword rule, so rule order
 * and line order differ.
 */
function overlapping(seed: number): string {
  return [
    `password = "Zq8vLmN3pX7rT2wK9sB${seed}"`,
    `aws_secret_key = "${awsKeyId(seed)}"`,
    `url = "https://admin:${serviceToken(seed)}@db.example.com/x"`,
    `SERVICE_KEY=${serviceToken(seed + 1)}`,
    '',
  ].join('\n');
}

function commit(repo: GitFixture, ...args: string[]): { code: number | null; output: string } {
  const r = spawnSync('git', ['commit', ...args], { cwd: repo.dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', HOME: repo.dir } });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('suppression per secret', () => {
  const repos: GitFixture[] = [];
  const newRepo = (label: string): GitFixture => {
    const r = makeGitRepo(label);
    repos.push(r);
    return r;
  };
  beforeAll(() => assertBuilt());
  afterEach(() => {
    for (const r of repos.splice(0)) r.cleanup();
  });

  it('an unchanged tree passes against its own baseline, in directory and history scans', async () => {
    const repo = newRepo('supp-baseline');
    repo.commit('leaks', { 'config.py': overlapping(1), 'app/settings.py': overlapping(5) });
    for (const mode of [['.'], ['--git']]) {
      const base = await runCli(['scan', ...mode, '-f', 'json', '-o', 'base.json'], { cwd: repo.dir });
      expect(base.code).toBe(1);
      expect(json(readFileSync(join(repo.dir, 'base.json'), 'utf8')).findings.length).toBeGreaterThanOrEqual(8);
      const again = await runCli(['scan', ...mode, '--baseline', 'base.json', '-f', 'json'], { cwd: repo.dir });
      expect(json(again.stdout).findings.map((f) => `${f.path}:${f.line} ${f.ruleId}`), mode.join(' ')).toEqual([]);
      expect(again.code).toBe(0);
    }
  });

  it('every fingerprint in .keywardenignore silences the tree, and a new secret still shows', async () => {
    const repo = newRepo('supp-ignore');
    repo.commit('leaks', { 'config.py': overlapping(2) });
    const first = json((await runCli(['scan', '-f', 'json'], { cwd: repo.dir })).stdout);
    writeFileSync(join(repo.dir, '.keywardenignore'), first.findings.map((f) => `${f.fingerprint}  # accepted\n`).join(''));
    const after = await runCli(['scan', '-f', 'json'], { cwd: repo.dir });
    expect(json(after.stdout).findings).toEqual([]);
    expect(after.code).toBe(0);
    repo.write('other.py', `token = "${serviceToken(77)}"\n`);
    const added = json((await runCli(['scan', '-f', 'json'], { cwd: repo.dir })).stdout);
    expect(added.findings.map((f) => f.path)).toEqual(['other.py']);
  });

  it('a fingerprint holds the secret whatever rule reports it, in that file only', async () => {
    const repo = newRepo('supp-rule');
    const key = awsKeyId(9);
    repo.write('a.py', `aws_secret_key = "${key}"\n`);
    const [specific] = json((await runCli(['scan', '-f', 'json'], { cwd: repo.dir })).stdout).findings;
    expect(specific.ruleId).toBe('aws-access-key-id');
    // The same key under a name only the catch-all knows, and in a second file.
    repo.write('a.py', `some_api_key = "${key}"\n`);
    repo.write('b.py', `aws_secret_key = "${key}"\n`);
    writeFileSync(join(repo.dir, '.keywardenignore'), `${specific.fingerprint}\n`);
    const r = json((await runCli(['scan', '-f', 'json'], { cwd: repo.dir })).stdout);
    expect(r.findings.map((f) => f.path)).toEqual(['b.py']);
  });

  it('pre-commit: one pasted fingerprint lets the commit through, ignore file included', async () => {
    const repo = newRepo('supp-hook');
    repo.commit('init', { 'README.md': 'hi\n' });
    expect((await runCli(['hook', 'install'], { cwd: repo.dir })).code).toBe(0);
    repo.write('config.py', `aws_secret_key = "${awsKeyId(3)}"\n`);
    repo.git('add', 'config.py');
    const blocked = commit(repo, '-m', 'config');
    expect(blocked.code).not.toBe(0);
    const fingerprints = [...blocked.output.matchAll(/fingerprint: (\S+)/g)].map((m) => m[1]);
    expect(fingerprints).toHaveLength(1);
    writeFileSync(join(repo.dir, '.keywardenignore'), `# test fixture, not a live key\n${fingerprints[0]}\n`);
    repo.git('add', '.keywardenignore');
    const through = commit(repo, '-m', 'config');
    expect(through.output).not.toContain('fingerprint:');
    expect(through.code).toBe(0);
  });
});

describe('files keywarden reads itself are not scanned', () => {
  it('skips .keywardenignore and the baseline in use', async () => {
    assertBuilt();
    const repo = makeGitRepo('supp-own');
    try {
      repo.write('config.py', `aws_secret_key = "${awsKeyId(4)}"\n`);
      // An ignore entry for another file: the catch-all rule sees a key-like assignment in it.
      writeFileSync(join(repo.dir, '.keywardenignore'), 'config.py:aws-access-key-id:1a985cb27067e6ed\n'); // keywarden:allow
      const r = json((await runCli(['scan', '-f', 'json'], { cwd: repo.dir })).stdout);
      expect(r.findings.map((f) => f.path)).toEqual(['config.py']);
      expect(r.stats.files).toBe(1);
      await runCli(['scan', '-f', 'json', '-o', 'base.json'], { cwd: repo.dir });
      const withBase = json((await runCli(['scan', '--baseline', 'base.json', '-f', 'json'], { cwd: repo.dir })).stdout);
      expect(withBase.findings).toEqual([]);
      expect(withBase.stats.files).toBe(1);
      repo.git('add', '.keywardenignore', 'base.json');
      const staged = json((await runCli(['scan', '--staged', '--baseline', 'base.json', '-f', 'json'], { cwd: repo.dir })).stdout);
      expect(staged.findings).toEqual([]);
      expect(staged.stats.files).toBe(0);
    } finally {
      repo.cleanup();
    }
  });
});

describe('daily use', () => {
  const repos: GitFixture[] = [];
  beforeAll(() => assertBuilt());
  afterEach(() => {
    for (const r of repos.splice(0)) r.cleanup();
  });
  const newRepo = (label: string): GitFixture => {
    const r = makeGitRepo(label);
    repos.push(r);
    return r;
  };

  it('scan -o FILE prints the one-line summary on stderr', async () => {
    const repo = newRepo('daily-out');
    repo.write('config.py', overlapping(6));
    const r = await runCli(['scan', '-f', 'sarif', '-o', 'out.sarif'], { cwd: repo.dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/keywarden: 4 leaks found \([^)]*\) in 1 file, \d+\.\d\d MB, \d+\.\d\d s\n/);
    const clean = newRepo('daily-out-clean');
    clean.write('a.txt', 'nothing\n');
    const ok = await runCli(['scan', '-f', 'json', '-o', 'r.json'], { cwd: clean.dir });
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(/keywarden: no leaks found in 1 file, \d+\.\d\d MB, \d+\.\d\d s\n/);
  });

  it('findings are sorted by path, line and column in every format', async () => {
    const repo = newRepo('daily-sort');
    repo.commit('one', { 'b.py': overlapping(7) });
    repo.commit('two', { 'a.py': overlapping(8), 'b.py': `${overlapping(7)}x = "${serviceToken(40)}"\n` });
    for (const mode of [['.'], ['--git']]) {
      const r = json((await runCli(['scan', ...mode, '-f', 'json'], { cwd: repo.dir })).stdout);
      const positions = r.findings.map((f) => [f.path, f.line, f.column] as const);
      const sorted = [...positions].sort((x, y) => x[0].localeCompare(y[0]) || x[1] - y[1] || x[2] - y[2]);
      expect(positions.length).toBeGreaterThan(5);
      expect(positions, mode.join(' ')).toEqual(sorted);
      const text = (await runCli(['scan', ...mode], { cwd: repo.dir })).stdout;
      const textPositions = [...text.matchAll(/^(\S+):(\d+):(\d+) {2}/gm)].map((m) => [m[1], Number(m[2]), Number(m[3])]);
      expect(textPositions).toEqual(positions.map((p) => [...p]));
      const csv = (await runCli(['scan', ...mode, '-f', 'csv'], { cwd: repo.dir })).stdout.trim().split('\r\n').slice(1);
      expect(csv).toHaveLength(positions.length);
      const sarif = JSON.parse((await runCli(['scan', ...mode, '-f', 'sarif'], { cwd: repo.dir })).stdout) as {
        runs: { results: { locations: { physicalLocation: { artifactLocation: { uri: string }; region: { startLine: number } } }[] }[] }[];
      };
      const lines = sarif.runs[0].results.map((x) => x.locations[0].physicalLocation.region.startLine);
      expect(lines).toEqual(positions.map((p) => p[1]));
    }
  });

  it('an empty commit is silent; ignored-path lines need --verbose', async () => {
    const repo = newRepo('daily-quiet');
    repo.commit('init', {
      'keywarden.toml': 'ignorePaths = ["fixtures/**"]\n',
      'fixtures/a.txt': 'x\n',
      'fixtures/b.txt': 'y\n',
      'big.bin': Buffer.from([0, 1, 2, 3, 0, 0]),
    });
    expect((await runCli(['hook', 'install'], { cwd: repo.dir })).code).toBe(0);
    const empty = commit(repo, '--allow-empty', '-m', 'empty');
    expect(empty.code).toBe(0);
    expect(empty.output).not.toContain('keywarden');
    const plain = await runCli(['scan', '.'], { cwd: repo.dir });
    expect(plain.code).toBe(0);
    expect(plain.stdout).not.toContain('ignored-path');
    expect(plain.stdout).toContain('skipped: big.bin (binary');
    const verbose = await runCli(['scan', '.', '--verbose'], { cwd: repo.dir });
    expect(verbose.stdout).toContain('skipped: fixtures/a.txt (ignored-path');
    // By hand too: an empty index is an ordinary state, not a mistake.
    const none = await runCli(['scan', '--staged'], { cwd: repo.dir });
    expect(none.stderr).toBe('');
  });

  it('scan --help and the README agree on --threads', async () => {
    const help = (await runCli(['scan', '--help'], { cwd: process.cwd() })).stdout.replace(/\s+/g, ' ');
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const row = readme.split('\n').find((l) => l.startsWith('| `--threads N`')) ?? '';
    expect(help).not.toMatch(/default: 0\b/);
    for (const figure of ['48 MB', '16 MB', 'cores - 2', 'in-process']) {
      expect(help, figure).toContain(figure);
      expect(row.replace('−', '-'), figure).toContain(figure);
    }
  });
});

describe('keywarden ignore --last', () => {
  const repos: GitFixture[] = [];
  beforeAll(() => assertBuilt());
  afterEach(() => {
    for (const r of repos.splice(0)) r.cleanup();
  });

  it('after a blocked commit: writes every finding with a comment, sums up per rule, and the commit goes through', async () => {
    const repo = makeGitRepo('ignore-last');
    repos.push(repo);
    repo.commit('init', { 'README.md': 'hi\n' });
    const none = await runCli(['ignore', '--last'], { cwd: repo.dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no scan of .* run keywarden scan/);
    expect((await runCli(['ignore'], { cwd: repo.dir })).stderr).toContain('keywarden ignore --last');

    expect((await runCli(['hook', 'install'], { cwd: repo.dir })).code).toBe(0);
    repo.write('config.py', overlapping(11));
    repo.git('add', 'config.py');
    const blocked = commit(repo, '-m', 'config');
    expect(blocked.code).not.toBe(0);
    const reported = [...blocked.output.matchAll(/^(\S+):(\d+):\d+ {2}(\S+) /gm)].map((m) => ({ path: m[1], line: m[2], rule: m[3] }));
    expect(reported).toHaveLength(4);

    const r = await runCli(['ignore', '--last'], { cwd: repo.dir });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('added 4 fingerprints to .keywardenignore, by rule:');
    const ignoreFile = readFileSync(join(repo.dir, '.keywardenignore'), 'utf8');
    for (const f of reported) expect(ignoreFile).toContain(`# ${f.path}:${f.line} ${f.rule}\n`);
    for (const rule of new Set(reported.map((f) => f.rule))) {
      const n = reported.filter((f) => f.rule === rule).length;
      expect(r.stdout).toMatch(new RegExp(`^ +${n} {2}${rule}$`, 'm'));
    }
    expect(ignoreFile).not.toContain(serviceToken(11));

    repo.git('add', '.keywardenignore');
    expect(commit(repo, '-m', 'config').code).toBe(0);
    // Nothing new: the file is left alone.
    const again = await runCli(['ignore', '--last'], { cwd: repo.dir });
    expect(again.stdout).toMatch(/found nothing to ignore|already in/);
    expect(readFileSync(join(repo.dir, '.keywardenignore'), 'utf8')).toBe(ignoreFile);
  });
});
