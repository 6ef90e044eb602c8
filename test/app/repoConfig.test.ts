// .github/keywarden.yml, read through octokit.config.get (context.config's loader) against the
// stand-in: org defaults from the `.github` repository, `_extends`, and every way a file can be
// wrong turning into a reason instead of an exception.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProbotOctokit } from 'probot';
import { DEFAULT_REPO_CONFIG, InvalidRepoConfig, loadRepoConfig, parseRepoConfig } from '../../src/app/repoConfig.js';
import { startGitHubStandIn, type GitHubStandIn } from '../support/githubStandIn.js';

let gh: GitHubStandIn;
let octokit: InstanceType<typeof ProbotOctokit>;

beforeAll(async () => {
  gh = await startGitHubStandIn();
  const token = gh.state.newToken();
  gh.state.tokens.add(token);
  octokit = new ProbotOctokit({ baseUrl: gh.url, auth: { token }, throttle: { enabled: false }, retry: { enabled: false } } as never);
});
afterAll(async () => gh.close());

describe('loadRepoConfig', () => {
  it('returns the defaults when no file exists anywhere', async () => {
    expect(await loadRepoConfig(octokit, 'org', 'none')).toEqual(DEFAULT_REPO_CONFIG);
  });

  it("falls back to the org's .github repository and follows _extends", async () => {
    gh.setFile('org', '.github', '.github/keywarden.yml', 'rotation: false\nissues:\n  labels: [leak]\n');
    expect(await loadRepoConfig(octokit, 'org', 'plain')).toMatchObject({ rotation: false, issues: { labels: ['leak'] } });
    gh.setFile('org', 'app', '.github/keywarden.yml', '_extends: shared\ndisabledRules: [generic-api-key]\n');
    gh.setFile('org', 'shared', '.github/keywarden.yml', 'ignorePaths: ["vendor/**"]\n');
    expect(await loadRepoConfig(octokit, 'org', 'app')).toMatchObject({ disabledRules: ['generic-api-key'], ignorePaths: ['vendor/**'] });
    expect(gh.violations).toEqual([]);
  });

  it('turns broken YAML into a reason', async () => {
    gh.setFile('org', 'broken', '.github/keywarden.yml', 'rotation: [unclosed\n');
    const r = await loadRepoConfig(octokit, 'org', 'broken');
    expect(r).toBeInstanceOf(InvalidRepoConfig);
    expect((r as InvalidRepoConfig).reason).toMatch(/invalid YAML/);
  });
});

describe('parseRepoConfig', () => {
  it('keeps baseline rotation off and revokes in public repositories unless the file says otherwise', () => {
    expect(parseRepoConfig({})).toMatchObject({ rotation: true, rotationPolicy: { baseline: false, publicRepos: 'revoke' } });
    expect(parseRepoConfig({ rotation: true })).toMatchObject({ rotation: true, rotationPolicy: { baseline: false, publicRepos: 'revoke' } });
    expect(parseRepoConfig({ rotation: { baseline: true, publicRepos: 'roll' } })).toMatchObject({ rotation: true, rotationPolicy: { baseline: true, publicRepos: 'roll' } });
    expect(parseRepoConfig({ rotation: { enabled: false } })).toMatchObject({ rotation: false });
    expect(parseRepoConfig({ notify: { fallbackRepo: 'octo-org/security' } })).toMatchObject({ notify: { fallbackRepo: 'octo-org/security' } });
    expect(parseRepoConfig({ notify: { fallbackRepo: 'octo-org/security', email: 'security@example.com' } })).toMatchObject({ notify: { fallbackRepo: 'octo-org/security', email: 'security@example.com' } });
  });

  it.each([
    [{ rotation: 'yes' }, /rotation must be true or false/],
    [{ rotaton: true }, /unknown key "rotaton"/],
    [{ rotation: { baseline: 'yes' } }, /rotation\.baseline must be true or false/],
    [{ rotation: { publicRepos: 'ignore' } }, /rotation\.publicRepos must be one of revoke, roll/],
    [{ rotation: { basline: true } }, /rotation: unknown key "basline"/],
    [{ notify: { fallbackRepo: 'just-a-name' } }, /notify\.fallbackRepo must be owner\/repo/],
    [{ notify: { email: 'security team' } }, /notify\.email must be one email address/],
    [{ notify: { email: 'a@example.com, b@example.com' } }, /notify\.email must be one email address/],
    [{ notify: { email: 'Security <security@example.com>' } }, /notify\.email must be one email address/],
    [{ notify: { mail: 'security@example.com' } }, /notify: unknown key "mail" \(known: fallbackRepo, email\)/],
    [{ ignorePaths: 'vendor' }, /ignorePaths must be a list of strings/],
    [{ allowlists: [{ regex: 'x' }] }, /unknown key "regex" in allowlists\[0\]/],
    [{ allowlists: [{ condition: 'XOR' }] }, /allowlists\[0\]: condition must be "OR" or "AND"/],
    [{ allowlists: [{ regexes: ['(?<=x)abc'] }] }, /allowlists\[0\] regex '\(\?<=x\)abc' does not compile: .*lookahead\/lookbehind/],
    [{ allowlists: [{ paths: ['vendor/(unclosed'] }] }, /allowlists\[0\] path 'vendor\/\(unclosed' does not compile/],
    [{ allowlists: [{ stopwords: ['Dummy'] }] }, /allowlists\[0\]\.stopwords: "Dummy" must be lower case .*write "dummy"/],
    [{ issues: { label: ['x'] } }, /issues: unknown key "label"/],
    [{ minConfidence: 'certain' }, /minConfidence must be one of high, medium, low/],
    [{ failOn: 'severe' }, /failOn must be one of critical, high, medium, low, info/],
    ['just text', /YAML mapping/],
  ])('rejects %j', (raw, reason) => {
    const r = parseRepoConfig(raw);
    expect(r).toBeInstanceOf(InvalidRepoConfig);
    expect((r as InvalidRepoConfig).reason).toMatch(reason);
  });

  it('accepts a full config', () => {
    expect(parseRepoConfig({ rotation: false, disabledRules: ['a'], ignorePaths: ['b/**'], allowlists: [{ regexes: ['EXAMPLE'], stopwords: ['dummy'] }], issues: { labels: ['l'], assignees: ['octocat'] } })).toMatchObject({
      rotation: false, disabledRules: ['a'], allowlists: [{ condition: 'OR', regexTarget: 'secret', regexes: ['EXAMPLE'], stopwords: ['dummy'] }], issues: { labels: ['l'], assignees: ['octocat'] },
    });
  });

  it('keeps the valid rest of the file next to a regex that does not compile', () => {
    const r = parseRepoConfig({ ignorePaths: ['vendor/**'], allowlists: [{ regexes: ['(?<=x)abc'] }, { stopwords: ['example'] }], issues: { labels: ['sec'] } });
    expect(r).toBeInstanceOf(InvalidRepoConfig);
    const usable = (r as InvalidRepoConfig).usable;
    expect(usable).toMatchObject({ ignorePaths: ['vendor/**'], issues: { labels: ['sec'] } });
    // The broken allowlist is left out, the valid one kept: the scan can build its rules from it.
    expect(usable.allowlists).toEqual([expect.objectContaining({ stopwords: ['example'], regexes: [] })]);
  });

  it('uses an upper-case stopword lower-cased, and still reports it', () => {
    const r = parseRepoConfig({ allowlists: [{ stopwords: ['EXAMPLE', 'fixture'] }] });
    expect(r).toBeInstanceOf(InvalidRepoConfig);
    expect((r as InvalidRepoConfig).usable.allowlists).toEqual([expect.objectContaining({ stopwords: ['example', 'fixture'] })]);
  });

  it('names every problem, not only the first', () => {
    const r = parseRepoConfig({ rotation: 'yes', ignorePaths: 'vendor', disabledRules: ['generic-api-key'] });
    expect((r as InvalidRepoConfig).reason).toMatch(/rotation must be true or false, or a mapping of enabled, baseline, publicRepos; ignorePaths must be a list of strings/);
    expect((r as InvalidRepoConfig).usable).toMatchObject({ rotation: true, ignorePaths: [], disabledRules: ['generic-api-key'] });
  });
});
