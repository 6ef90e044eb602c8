// --min-confidence filters the report, --fail-on decides the exit code, and every format
// carries each finding's confidence.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeGitRepo, type GitFixture } from '../sources/gitFixture.js';
import { assertBuilt, runCli, serviceToken } from './runCli.js';

interface JsonOut {
  findings: Array<{ ruleId: string; severity: string; confidence: string }>;
}

describe('scan --min-confidence and --fail-on', () => {
  let repo: GitFixture;
  let medium: GitFixture;

  beforeAll(() => {
    assertBuilt();
    repo = makeGitRepo('cli-confidence');
    // A checksummed key-service token (high, critical) and a password literal (medium, high).
    repo.commit('leaks', { 'conf.env': `SERVICE_KEY=${serviceToken(41)}\n`, 'app.py': 'db_password = "Pseg2020"\n' });
    medium = makeGitRepo('cli-confidence-medium');
    medium.commit('leak', { 'app.py': 'db_password = "Pseg2020"\n' });
  });
  afterAll(() => {
    repo.cleanup();
    medium.cleanup();
  });

  it('reports confidence in json, csv, sarif and text', async () => {
    const json = JSON.parse((await runCli(['scan', '.', '-f', 'json'], { cwd: repo.dir })).stdout) as JsonOut;
    const byRule = Object.fromEntries(json.findings.map((f) => [f.ruleId, f.confidence]));
    expect(byRule['keywarden-secret-key-live']).toBe('high');
    expect(byRule['password-assignment']).toBe('medium');
    const csv = (await runCli(['scan', '.', '-f', 'csv'], { cwd: repo.dir })).stdout.split('\r\n');
    expect(csv[0].split(',').at(-1)).toBe('confidence');
    expect(csv.slice(1).filter(Boolean).map((l) => l.split(',').at(-1)).sort()).toEqual(['high', 'medium']);
    const out = join(repo.dir, 'r.sarif');
    await runCli(['scan', '.', '-f', 'sarif', '-o', out], { cwd: repo.dir });
    const sarif = JSON.parse(readFileSync(out, 'utf8')) as { runs: Array<{ results: Array<{ properties: { confidence: string } }> }> };
    expect(sarif.runs[0].results.map((r) => r.properties.confidence).sort()).toEqual(['high', 'medium']);
    expect((await runCli(['scan', '.'], { cwd: repo.dir })).stdout).toMatch(/medium confidence/);
  });

  it('--min-confidence high leaves out the keyword-context finding', async () => {
    const r = await runCli(['scan', '.', '-f', 'json', '--min-confidence', 'high'], { cwd: repo.dir });
    expect((JSON.parse(r.stdout) as JsonOut).findings.map((f) => f.ruleId)).toEqual(['keywarden-secret-key-live']);
    const none = await runCli(['scan', '.', '-f', 'json', '--min-confidence', 'high'], { cwd: medium.dir });
    expect((JSON.parse(none.stdout) as JsonOut).findings).toEqual([]);
    expect(none.code).toBe(0);
  });

  it('--fail-on critical exits 0 for a high-severity leak and 1 for a critical one', async () => {
    const high = await runCli(['scan', '.', '--fail-on', 'critical'], { cwd: medium.dir });
    expect(high.code).toBe(0);
    expect(high.stdout).toContain('password-assignment'); // still reported
    expect(high.stdout).toMatch(/no leaks found \(\+1 finding below --fail-on or public, informational\)/);
    expect((await runCli(['scan', '.', '--fail-on', 'critical'], { cwd: repo.dir })).code).toBe(1);
    expect((await runCli(['scan', '.', '--fail-on', 'high'], { cwd: medium.dir })).code).toBe(1);
  });

  it('refuses an unknown level with a usage error', async () => {
    const r = await runCli(['scan', '.', '--fail-on', 'severe'], { cwd: repo.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/critical, high, medium, low, info/);
    expect((await runCli(['scan', '.', '--min-confidence', 'certain'], { cwd: repo.dir })).code).toBe(2);
  });
});
