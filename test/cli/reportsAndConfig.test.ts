import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sarifValidator } from '../report/sarifSchema.js';
import { awsKeyId, makeGitRepo, type GitFixture } from '../sources/gitFixture.js';
import { assertBuilt, runCli, serviceToken } from './runCli.js';

const FORMATS = ['text', 'json', 'sarif', 'csv'];

describe('report formats and redaction', () => {
  let repo: GitFixture;
  const token = serviceToken(30);
  const aws = awsKeyId(31);
  const encoded = Buffer.from(`key=${serviceToken(32)}`).toString('base64');

  beforeAll(() => {
    assertBuilt();
    repo = makeGitRepo('cli-formats');
    repo.commit('leak', { 'a b/conf.env': `SERVICE_KEY=${token}\nAWS_ACCESS_KEY_ID=${aws}\n`, 'blob.txt': `data: ${encoded}\n` });
  });
  afterAll(() => repo.cleanup());

  it('no format prints a planted secret, in directory and history scans', async () => {
    for (const mode of [['.'], ['--git']]) {
      for (const format of FORMATS) {
        const r = await runCli(['scan', ...mode, '-f', format], { cwd: repo.dir });
        expect(r.code, `${format} ${mode}`).toBe(1);
        expect(r.stdout).toContain('kwsk'); // the preview is there...
        for (const secret of [token, aws, serviceToken(32)]) {
          expect(r.stdout, `${format} ${mode}`).not.toContain(secret); // ...the secret is not
          expect(r.stderr).not.toContain(secret);
        }
      }
    }
  });

  it('writes valid SARIF 2.1.0 to --output', async () => {
    const out = join(repo.dir, 'report.sarif');
    const r = await runCli(['scan', '--git', '-f', 'sarif', '-o', out], { cwd: repo.dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const doc = JSON.parse(readFileSync(out, 'utf8'));
    const validate = sarifValidator();
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    const uris = doc.runs[0].results.map((x: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) => x.locations[0].physicalLocation.artifactLocation.uri);
    expect(uris).toContain('a%20b/conf.env');
  });

  it('json and csv carry the documented fields; decoded finds are tagged', async () => {
    const j = JSON.parse((await runCli(['scan', '-f', 'json'], { cwd: repo.dir })).stdout);
    expect(Object.keys(j)).toEqual(['version', 'findings', 'stats']);
    for (const f of j.findings) {
      for (const k of ['ruleId', 'path', 'line', 'column', 'severity', 'kind', 'preview', 'secretHash', 'fingerprint', 'entropy']) expect(f).toHaveProperty(k);
    }
    expect(j.findings.find((f: { path: string }) => f.path === 'blob.txt')?.decoded).toEqual(['base64']);
    const csv = (await runCli(['scan', '-f', 'csv'], { cwd: repo.dir })).stdout.split('\r\n');
    expect(csv[0].startsWith('ruleId,path,line,column,severity,kind,preview,secretHash,fingerprint')).toBe(true);
    expect(csv.filter((l) => l !== '')).toHaveLength(1 + j.findings.length);
  });

  it('--no-redact warns and reveals locally, and is refused when CI is set', async () => {
    const local = await runCli(['scan', '--no-redact'], { cwd: repo.dir });
    expect(local.code).toBe(1);
    expect(local.stderr).toContain('--no-redact shows whole secrets');
    expect(local.stdout).toContain(token);
    const ci = await runCli(['scan', '--no-redact'], { cwd: repo.dir, env: { CI: 'true' } });
    expect(ci.code).toBe(2);
    expect(ci.stdout).toBe('');
    expect(ci.stderr).toMatch(/^keywarden: --no-redact is refused when CI is set/);
  });
});

describe('configuration, .keywardenignore and baseline', () => {
  let repo: GitFixture;
  const first = serviceToken(40);
  const second = serviceToken(41);

  beforeAll(() => {
    assertBuilt();
    repo = makeGitRepo('cli-config');
    repo.commit('init', {
      'src/a.js': `const a = "${first}";\n`,
      'fixtures/b.js': `const b = "${second}";\n`,
      'custom.txt': 'see ACME-7c3f9a21e04b8d56f1a2 in the wiki\n',
    });
  });
  afterAll(() => repo.cleanup());

  const paths = async (args: string[]): Promise<string[]> => {
    const r = await runCli(['scan', '-f', 'json', ...args], { cwd: repo.dir });
    // Warnings and the summary line only, no error.
    expect(r.stderr).not.toMatch(/keywarden: (?!warning|no leaks found|\d+ leaks? found)/);
    return (JSON.parse(r.stdout).findings as { path: string; ruleId: string }[]).map((f) => `${f.path}:${f.ruleId}`).sort();
  };

  it('keywarden.toml adds rules, disables rules and ignores paths', async () => {
    expect(await paths([])).toEqual(['fixtures/b.js:keywarden-secret-key-live', 'src/a.js:keywarden-secret-key-live']);
    writeFileSync(
      join(repo.dir, 'keywarden.toml'),
      [
        'ignorePaths = ["fixtures/**"]',
        '[[rules]]',
        'id = "acme-internal-token"',
        'description = "ACME internal token"',
        "regex = '''ACME-[0-9a-f]{20}'''",
        'keywords = ["acme-"]',
        '[limits]',
        'maxFileSize = "1MB"',
      ].join('\n'),
    );
    try {
      expect(await paths([])).toEqual(['custom.txt:acme-internal-token', 'src/a.js:keywarden-secret-key-live']);
      writeFileSync(join(repo.dir, '.keywarden.toml'), 'disabledRules = ["keywarden-secret-key-live"]\n');
      // keywarden.toml wins over .keywarden.toml; --config picks any file
      expect(await paths(['--config', '.keywarden.toml'])).toEqual([]);
    } finally {
      repo.git('clean', '-fq', '--', 'keywarden.toml', '.keywarden.toml');
    }
  });

  it('loads an existing .gitleaks.toml through --config', async () => {
    writeFileSync(
      join(repo.dir, '.gitleaks.toml'),
      [
        'title = "gitleaks config"',
        '[extend]',
        'useDefault = true',
        '[[rules]]',
        'id = "acme"',
        'description = "ACME"',
        "regex = '''(?i)acme-([0-9a-f]{20})'''",
        'secretGroup = 1',
        'keywords = ["acme"]',
        '[allowlist]',
        "paths = ['''^fixtures/''']",
      ].join('\n'),
    );
    expect(await paths(['--config', '.gitleaks.toml'])).toEqual(['custom.txt:acme', 'src/a.js:keywarden-secret-key-live']);
  });

  it('invalid config exits 2 naming the file, the key and the problem', async () => {
    const cases: [string, RegExp][] = [
      ['ignorePaths = "x"\n', /bad\.toml: "ignorePaths" must be an array of strings/],
      ['[limits]\nmaxFileSize = "lots"\n', /bad\.toml: key "limits\.maxFileSize" must be a size/],
      ['[limits]\nspeed = 3\n', /bad\.toml: unknown key "limits\.speed"/],
      ['colour = "blue"\n', /bad\.toml: unknown key "colour"/],
      ['[[rules]]\nid = "broken"\ndescription = "x"\nregex = "(unclosed"\n', /bad\.toml: rule "broken": .*regex/],
      ['this is = not toml [\n', /bad\.toml: not valid TOML/],
    ];
    for (const [text, message] of cases) {
      writeFileSync(join(repo.dir, 'bad.toml'), text);
      const r = await runCli(['scan', '--config', 'bad.toml'], { cwd: repo.dir });
      expect(r.code, text).toBe(2);
      expect(r.stderr, text).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
    const missing = await runCli(['scan', '--config', 'nope.toml'], { cwd: repo.dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.toml: cannot read the config file/);
  });

  it('.keywardenignore suppresses pasted fingerprints; comments are allowed', async () => {
    const r = await runCli(['scan', '-f', 'json'], { cwd: repo.dir });
    const fp = JSON.parse(r.stdout).findings.find((f: { path: string }) => f.path === 'src/a.js').fingerprint as string;
    writeFileSync(join(repo.dir, '.keywardenignore'), `# known test key\n${fp}  # rotated already\n\n`);
    try {
      expect(await paths([])).toEqual(['fixtures/b.js:keywarden-secret-key-live']);
      // the fingerprint is not positional: moving the secret down keeps it ignored
      repo.write('src/a.js', `// moved\n\n\nconst a = "${first}";\n`);
      expect(await paths([])).toEqual(['fixtures/b.js:keywarden-secret-key-live']);
    } finally {
      repo.git('checkout', '-q', '--', 'src/a.js');
      repo.git('clean', '-fq', '--', '.keywardenignore');
    }
  });

  it('--baseline reports only findings that are not in the baseline', async () => {
    const baseline = join(repo.dir, 'baseline.json');
    const r1 = await runCli(['scan', '-f', 'json', '-o', baseline], { cwd: repo.dir });
    expect(r1.code).toBe(1);
    const r2 = await runCli(['scan', '--baseline', baseline], { cwd: repo.dir });
    expect(r2.code).toBe(0);
    repo.write('src/new.js', `x = "${serviceToken(42)}"\n`);
    const r3 = await runCli(['scan', '--baseline', baseline, '-f', 'json'], { cwd: repo.dir });
    expect(r3.code).toBe(1);
    expect(JSON.parse(r3.stdout).findings.map((f: { path: string }) => f.path)).toEqual(['src/new.js']);
    writeFileSync(baseline, '{"findings": 3}');
    const bad = await runCli(['scan', '--baseline', baseline], { cwd: repo.dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/baseline\.json: key "findings" must be an array/);
  });
});
