// The GitHub Action's entry script, run as the runner runs it: GITHUB_EVENT_PATH holds a real
// example payload from @octokit/webhooks-examples (its shas pointed at a repository made
// here), GITHUB_WORKSPACE is that repository, and the step writes GITHUB_OUTPUT and
// GITHUB_STEP_SUMMARY under RUNNER_TEMP.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { awsKeyId, makeGitRepo, makeTempDir, type GitFixture } from '../sources/gitFixture.js';
import { pullRequestExample, pushExample, webhookExample } from '../support/webhookExamples.js';
import { assertBuilt, serviceToken } from './runCli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ENTRY = join(ROOT, 'dist/cli/githubAction.js');

interface ActionRun {
  code: number | null;
  stdout: string;
  outputs: Record<string, string>;
  summary: string;
}

describe('GitHub Action (action.yml, dist/cli/githubAction.js)', () => {
  let repo: GitFixture;
  const sha: Record<string, string> = {};
  const old = serviceToken(70);
  const pushed = serviceToken(71);
  const inPr = awsKeyId(72);
  let runs = 0;

  beforeAll(() => {
    assertBuilt();
    repo = makeGitRepo('action');
    sha.c0 = repo.commit('old leak', { 'old.env': `KEY=${old}\n` });
    sha.c1 = repo.commit('leak', { 'app/config.py': `token = "${pushed}"\n` });
    sha.c2 = repo.commit('clean', { 'README.md': 'docs\n' });
    repo.git('checkout', '-q', '-b', 'feature');
    sha.c3 = repo.commit('pr leak', { 'feature.txt': `aws_access_key_id = ${inPr}\n` });
    repo.git('checkout', '-q', 'main');
  });
  afterAll(() => repo.cleanup());

  function runAction(eventName: string, payload: object, inputs: Record<string, string> = {}): ActionRun {
    const temp = makeTempDir(`action-run-${runs++}`);
    const eventPath = join(temp, 'event.json');
    writeFileSync(eventPath, JSON.stringify(payload));
    const outputFile = join(temp, 'output');
    const summaryFile = join(temp, 'summary.md');
    writeFileSync(outputFile, '');
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: temp,
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: eventName,
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_WORKSPACE: repo.dir,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summaryFile,
      RUNNER_TEMP: temp,
      ...Object.fromEntries(Object.entries(inputs).map(([k, v]) => [`INPUT_${k.toUpperCase().replace(/-/g, '_')}`, v])),
    };
    const r = spawnSync(process.execPath, [ENTRY], { cwd: repo.dir, env, encoding: 'utf8' });
    const outputs = Object.fromEntries(
      readFileSync(outputFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
    return { code: r.status, stdout: `${r.stdout}${r.stderr}`, outputs, summary: existsSync(summaryFile) ? readFileSync(summaryFile, 'utf8') : '' };
  }

  const push = (before: string, after: string, commits = 1): object => {
    const p = pushExample() as { before: string; after: string; ref: string; deleted: boolean; commits: unknown[] };
    p.before = before;
    p.after = after;
    p.ref = 'refs/heads/main';
    p.deleted = false;
    p.commits = Array.from({ length: commits }, (_, i) => ({ ...(p.commits[0] as object), id: `${i}` }));
    return p;
  };

  it('push: scans the pushed range only, annotates, writes outputs, SARIF and a summary, and fails', () => {
    const r = runAction('push', push(sha.c0, sha.c2, 2));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`keywarden: scanning the pushed commits ${sha.c0.slice(0, 7)}..${sha.c2.slice(0, 7)}`);
    expect(r.stdout).toMatch(/^::error file=app\/config\.py,line=1,col=\d+,title=keywarden%3A keywarden-secret-key-live \(critical\)::.*Fingerprint: [0-9a-f]{40}:app\/config\.py:/m);
    expect(r.stdout).not.toContain('old.env');
    expect(r.outputs).toMatchObject({ leaks: '1', findings: '1', 'exit-code': '1' });
    const sarif = JSON.parse(readFileSync(r.outputs['sarif-file'], 'utf8')) as { version: string; runs: { results: unknown[] }[] };
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].results).toHaveLength(1);
    expect(r.summary).toContain('keywarden: 1 leak found (1 critical)');
    expect(r.summary).toContain('| app/config.py:1 | keywarden-secret-key-live | critical |');
    for (const secret of [old, pushed, inPr]) {
      expect(r.stdout).not.toContain(secret);
      expect(r.summary).not.toContain(secret);
    }
  });

  it('push: a clean range passes; a deleted branch scans nothing', () => {
    const clean = runAction('push', push(sha.c1, sha.c2));
    expect(clean.code).toBe(0);
    expect(clean.outputs.leaks).toBe('0');
    const deleted = { ...push(sha.c1, '0'.repeat(40)), deleted: true };
    const r = runAction('push', deleted);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('::notice::keywarden: nothing to scan');
  });

  it('push of a new branch: the commits new with it', () => {
    const p = { ...push('0'.repeat(40), sha.c3, 1), ref: 'refs/heads/feature' };
    const r = runAction('push', p);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('::error file=feature.txt,line=1');
    expect(r.stdout).not.toContain('app/config.py');
  });

  it("pull_request: the PR's commits (base..head)", () => {
    const pr = pullRequestExample('synchronize') as { number: number; pull_request: { base: { sha: string }; head: { sha: string } } };
    pr.pull_request.base.sha = sha.c2;
    pr.pull_request.head.sha = sha.c3;
    const r = runAction('pull_request', pr);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`keywarden: scanning the commits of pull request #${pr.number}`);
    expect(r.stdout).toContain('::error file=feature.txt,line=1');
    expect(r.stdout).not.toContain('app/config.py');
    expect(r.outputs.leaks).toBe('1');
  });

  it('a shallow checkout (commit missing) fails with what to do', () => {
    const r = runAction('push', push('f'.repeat(40), sha.c2));
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/::error::keywarden: commit f{12} \(before the push\) is not in the checkout; .*fetch-depth: 0/);
  });

  it('inputs: config, args and fail-on reach the scan', () => {
    writeFileSync(join(repo.dir, 'kw-action.toml'), 'ignorePaths = ["app/**"]\n');
    try {
      const r = runAction('push', push(sha.c0, sha.c2, 2), { config: 'kw-action.toml' });
      expect(r.code).toBe(0);
      const bad = runAction('push', push(sha.c0, sha.c2, 2), { args: '--max-file-size lots' });
      expect(bad.code).toBe(2);
      expect(bad.stdout).toContain('::error::keywarden: the scan failed: keywarden: --max-file-size');
    } finally {
      rmSync(join(repo.dir, 'kw-action.toml'), { force: true });
    }
    // The pushed range holds a critical leak (a live key-service secret) and a new branch a high one (AWS).
    expect(runAction('push', push(sha.c0, sha.c2, 2), { 'fail-on': 'critical' }).code).toBe(1);
    const high = { ...push('0'.repeat(40), sha.c3, 1), ref: 'refs/heads/feature' };
    expect(runAction('push', high, { 'fail-on': 'critical' }).code).toBe(0);
    expect(runAction('push', high, { 'fail-on': 'high' }).code).toBe(1);
    expect(runAction('push', high, { 'fail-on': 'severe' }).code).toBe(2);
  });

  it('other events scan the checked-out tree', () => {
    const r = runAction('workflow_dispatch', webhookExample('workflow_dispatch'));
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('the checked-out tree (workflow_dispatch event)');
    expect(r.stdout).toContain('::error file=old.env,line=1');
  });

  it('action.yml: the documented inputs, and its scan step runs this entry script', () => {
    const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as {
      inputs: Record<string, unknown>;
      runs: { using: string; steps: { id?: string; run?: string; env?: Record<string, string>; uses?: string; with?: Record<string, string> }[] };
    };
    expect(Object.keys(action.inputs)).toEqual(['config', 'baseline', 'fail-on', 'args', 'upload-sarif']);
    const scan = action.runs.steps.find((s) => s.id === 'scan');
    expect(scan?.run).toContain('"$GITHUB_ACTION_PATH/dist/cli/githubAction.js"');
    expect(Object.keys(scan?.env ?? {}).sort()).toEqual(['INPUT_ARGS', 'INPUT_BASELINE', 'INPUT_CONFIG', 'INPUT_FAIL_ON']);
    const upload = action.runs.steps.find((s) => s.uses?.startsWith('github/codeql-action/upload-sarif'));
    expect(upload?.with?.sarif_file).toBe('${{ steps.scan.outputs.sarif-file }}');
    expect(existsSync(ENTRY)).toBe(true);
  });
});
