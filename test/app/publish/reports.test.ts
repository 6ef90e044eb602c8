// What the reports say: the check run's conclusion rules, annotation shape, and review
// comment text (what, why, how to silence, hidden marker), never the raw secret.
import { describe, expect, it } from 'vitest';
import { buildRuleSet, parseRuleFile, Scanner } from '../../../src/scan/index.js';
import { loadBuiltinRules } from '../../../src/config/loadRules.js';
import { formatToken } from '../../../src/keyformat/keyFormat.js';
import { annotationOf, conclusionOf } from '../../../src/app/publish/checkRun.js';
import { DEFAULT_REPO_CONFIG, parseRepoConfig, type RepoConfig } from '../../../src/app/repoConfig.js';
import { commentBody } from '../../../src/app/publish/prReview.js';
import { baselineBody } from '../../../src/app/publish/baselineIssue.js';
import { LEAK_MARKER_RE, leakId, leakMarker } from '../../../src/app/publish/findingText.js';

const scanner = new Scanner(loadBuiltinRules());
const secret = formatToken('secret', 'live');
const pub = formatToken('public', 'live');
const scan = (text: string, commit?: string) => scanner.scanFragment({ path: 'src/app.ts', text, commit: commit ? { sha: commit } : undefined }).findings;

describe('check run', () => {
  it('fails on a secret, is neutral on public keys or a bad config alone, succeeds when clean', () => {
    const s = scan(`const k = "${secret}";\n`);
    const p = scan(`const k = "${pub}";\n`);
    expect(s[0].kind).toBe('secret');
    expect(p[0].kind).toBe('public');
    expect(conclusionOf({ findings: [...p, ...s] })).toBe('failure');
    expect(conclusionOf({ findings: p })).toBe('neutral');
    expect(conclusionOf({ findings: [], invalidConfig: 'x' })).toBe('neutral');
    expect(conclusionOf({ findings: [] })).toBe('success');
  });

  it('fails on a low-severity secret too, as the CLI exit code and the pre-commit hook do', () => {
    const low = new Scanner(buildRuleSet([parseRuleFile(`[[rules]]\nid = "team-token"\ndescription = "Team token"\nregex = '''\\b(tt_[0-9a-f]{32})\\b'''\nkeywords = ["tt_"]\nseverity = "low"\n`, 'team.toml')]));
    const [f] = low.scanFragment({ path: 'a.env', text: 'T=tt_7c3f9a21e04b8d56f1a2b9e07d4c6a13\n' }).findings;
    expect(f).toMatchObject({ kind: 'secret', severity: 'low' });
    expect(conclusionOf({ findings: [f] })).toBe('failure');
    expect(annotationOf(f).annotation_level).toBe('failure');
    expect(commentBody(f)).toMatch(/^\*\*Leaked secret\*\*/);
  });

  it('with the App default policy, a low-confidence match is a notice and does not fail the run', () => {
    const [generic] = scan('const clientSecret = "h7Kd2Wq9Lz4Xm1Rv8Nb5Tc3Yg6Js0Fp";\n');
    const [password] = scan('const dbPassword = "Pseg2020";\n');
    expect(generic).toMatchObject({ ruleId: 'generic-secret-assignment', confidence: 'low' });
    expect(password).toMatchObject({ ruleId: 'password-assignment', confidence: 'medium' });
    const policy = DEFAULT_REPO_CONFIG.failing;
    expect(conclusionOf({ findings: [generic], policy })).toBe('neutral');
    expect(annotationOf(generic, policy).annotation_level).toBe('notice');
    expect(conclusionOf({ findings: [generic, password], policy })).toBe('failure');
    // The repository can lower the bar (or raise it by severity).
    const all = (parseRepoConfig({ minConfidence: 'low' }) as RepoConfig).failing;
    expect(conclusionOf({ findings: [generic], policy: all })).toBe('failure');
    const criticalOnly = (parseRepoConfig({ failOn: 'critical' }) as RepoConfig).failing;
    expect(conclusionOf({ findings: [password], policy: criticalOnly })).toBe('neutral');
  });

  it('annotates the exact line and columns without the secret', () => {
    const [f] = scan(`\n\n  key: ${secret}\n`);
    const a = annotationOf(f);
    expect(a).toMatchObject({ path: 'src/app.ts', start_line: 3, end_line: 3, start_column: 8, annotation_level: 'failure' });
    expect(JSON.stringify(a)).not.toContain(secret);
    expect(a.message).toContain(f.preview);
  });
});

describe('review comment and baseline issue', () => {
  it('say what, why and how to silence, with a hidden marker, never the secret', () => {
    const [f] = scan(`key = "${secret}"\n`, 'a'.repeat(40));
    const body = commentBody(f);
    expect(body).toContain(f.preview);
    expect(body).toMatch(/Anyone who can read this repository/);
    expect(body).toContain('keywarden:allow');
    expect(body).toContain(f.fingerprint);
    expect(body).toContain(`<!-- keywarden:leak=${leakId(f)} -->`);
    expect(body).not.toContain(secret);
    const issue = baselineBody({ owner: 'o', repo: 'r', defaultBranch: 'main', findings: [f], commits: 3, labels: [], assignees: [] });
    expect(issue).toContain('<!-- keywarden:baseline -->');
    expect(issue).not.toContain(secret);
  });

  it('reads back the hidden marker of a leak whose path has spaces', () => {
    const [f] = scanner.scanFragment({ path: 'config/my settings/app.env', text: `KEY=${secret}\n` }).findings;
    const body = `${commentBody(f)}\n\nand another ${leakMarker({ ...f, path: 'x.ts' })}`;
    expect([...body.matchAll(LEAK_MARKER_RE)].map((m) => m[1])).toEqual([leakId(f), leakId({ ...f, path: 'x.ts' })]);
  });

  it('identifies a leak by path, rule and secret, not by commit', () => {
    const [a] = scan(`key = "${secret}"\n`, 'a'.repeat(40));
    const [b] = scan(`\nkey = "${secret}"\n`, 'b'.repeat(40));
    expect(a.fingerprint).not.toBe(b.fingerprint);
    expect(leakId(a)).toBe(leakId(b));
  });
});
