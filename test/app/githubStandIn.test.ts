// The stand-in is only useful if it refuses what GitHub refuses: these tests pin that.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Octokit } from '@octokit/rest';
import { startGitHubStandIn, type GitHubStandIn } from '../support/githubStandIn.js';
import { TestRepo } from '../support/gitRepo.js';
import { matchOperation, validateResponse } from '../support/openapiContract.js';

let gh: GitHubStandIn;
let octokit: Octokit;

beforeAll(async () => {
  gh = await startGitHubStandIn();
  const token = gh.state.newToken();
  gh.state.tokens.add(token);
  octokit = new Octokit({ baseUrl: gh.url, auth: token, request: { retries: 0 } });
});
afterAll(async () => gh.close());

describe('GitHub stand-in', () => {
  it('accepts a valid check run and stores its annotations', async () => {
    const annotations = [{ path: 'a.txt', start_line: 1, end_line: 1, annotation_level: 'failure' as const, message: 'x' }];
    const { data } = await octokit.checks.create({ owner: 'o', repo: 'r', name: 'keywarden', head_sha: 'a'.repeat(40), output: { title: 't', summary: 's', annotations } });
    expect(data.id).toBeGreaterThan(0);
    expect(gh.state.checkRuns[0].annotations).toHaveLength(1);
    expect(gh.violations).toEqual([]);
  });

  it('refuses more than 50 annotations in one call and records the violation', async () => {
    const annotations = Array.from({ length: 51 }, (_, i) => ({ path: 'a.txt', start_line: i + 1, end_line: i + 1, annotation_level: 'failure' as const, message: 'x' }));
    await expect(octokit.checks.create({ owner: 'o', repo: 'r', name: 'keywarden', head_sha: 'b'.repeat(40), output: { title: 't', summary: 's', annotations } })).rejects.toMatchObject({ status: 422 });
    expect(gh.violations.pop()).toMatch(/annotations/);
  });

  it('refuses an operation GitHub does not have', async () => {
    await expect(octokit.request('GET /repos/{owner}/{repo}/no-such-thing', { owner: 'o', repo: 'r' })).rejects.toMatchObject({ status: 404 });
    expect(gh.violations.pop()).toMatch(/no such operation/);
  });

  it('refuses a review comment body with a wrong type', async () => {
    gh.addPull('o', 'r', { number: 7, baseSha: 'c'.repeat(40), headSha: 'd'.repeat(40) });
    await expect(octokit.request('POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews', { owner: 'o', repo: 'r', pull_number: 7, event: 'COMMENT', comments: [{ path: 'a', line: 'one', body: 'x' }] } as never)).rejects.toMatchObject({ status: 422 });
    expect(gh.violations.pop()).toMatch(/line/);
  });

  it('refuses a request without a known installation token', async () => {
    const anon = new Octokit({ baseUrl: gh.url, request: { retries: 0 } });
    await expect(anon.issues.create({ owner: 'o', repo: 'r', title: 'x' })).rejects.toMatchObject({ status: 401 });
    expect(gh.violations.pop()).toMatch(/installation token/);
  });

  it('serves config files raw, as context.config reads them', async () => {
    gh.setFile('o', 'r', '.github/keywarden.yml', 'rotation: false\n');
    const res = await octokit.request('GET /repos/{owner}/{repo}/contents/{path}', { owner: 'o', repo: 'r', path: '.github/keywarden.yml', mediaType: { format: 'raw' } });
    expect(res.data).toBe('rotation: false\n');
    await expect(octokit.repos.getContent({ owner: 'o', repo: 'r', path: '.github/other.yml' })).rejects.toMatchObject({ status: 404 });
  });

  it('lists only the newest run of each name unless asked for all, and pages annotations with Link headers', async () => {
    const sha = 'e'.repeat(40);
    const notes = (from: number) => Array.from({ length: 50 }, (_, i) => ({ path: 'a.txt', start_line: from + i, end_line: from + i, annotation_level: 'notice' as const, message: 'x' }));
    const first = await octokit.checks.create({ owner: 'o', repo: 'r', name: 'keywarden', head_sha: sha, external_id: 'one', output: { title: 't', summary: 's', annotations: notes(1) } });
    await octokit.checks.update({ owner: 'o', repo: 'r', check_run_id: first.data.id, output: { title: 't', summary: 's', annotations: notes(51) } });
    const second = await octokit.checks.create({ owner: 'o', repo: 'r', name: 'keywarden', head_sha: sha, external_id: 'two' });
    const latest = await octokit.checks.listForRef({ owner: 'o', repo: 'r', ref: sha, check_name: 'keywarden' });
    expect(latest.data.check_runs.map((c) => c.id)).toEqual([second.data.id]);
    const all = await octokit.checks.listForRef({ owner: 'o', repo: 'r', ref: sha, check_name: 'keywarden', filter: 'all' });
    expect(all.data.check_runs.map((c) => [c.external_id, c.output.annotations_count])).toEqual([['one', 100], ['two', 0]]);
    const annotations = await octokit.paginate(octokit.checks.listAnnotations, { owner: 'o', repo: 'r', check_run_id: first.data.id, per_page: 30 });
    expect(annotations.map((a) => a.start_line)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    expect(gh.violations).toEqual([]);
  });

  it('fails a chosen operation before or after acting', async () => {
    gh.failOperation({ operationId: 'issues/create', status: 502, times: 1, afterActing: true });
    gh.failOperation({ operationId: 'issues/create', status: 500, times: 1 });
    const before = gh.state.issues.length;
    await expect(octokit.issues.create({ owner: 'o', repo: 'fail', title: 'x' })).rejects.toMatchObject({ status: 502 });
    expect(gh.state.issues.length).toBe(before + 1);
    await expect(octokit.issues.create({ owner: 'o', repo: 'fail', title: 'y' })).rejects.toMatchObject({ status: 500 });
    expect(gh.state.issues.length).toBe(before + 1);
    await expect(octokit.issues.create({ owner: 'o', repo: 'fail', title: 'z' })).resolves.toMatchObject({ status: 201 });
    gh.clearOperationFaults();
  });

  it('lets the first calls through when a fault says skip', async () => {
    gh.failOperation({ operationId: 'issues/get', status: 502, skip: 1, times: 1 });
    await octokit.issues.create({ owner: 'o', repo: 'skip', title: 'x' });
    await expect(octokit.issues.get({ owner: 'o', repo: 'skip', issue_number: 1 })).resolves.toMatchObject({ status: 200 });
    await expect(octokit.issues.get({ owner: 'o', repo: 'skip', issue_number: 1 })).rejects.toMatchObject({ status: 502 });
    await expect(octokit.issues.get({ owner: 'o', repo: 'skip', issue_number: 1 })).resolves.toMatchObject({ status: 200 });
    gh.clearOperationFaults();
  });

  it('refuses a review comment on a file no longer in the diff, and stores nothing', async () => {
    gh.addPull('o', 'outdated', { number: 2, baseSha: 'a'.repeat(40), headSha: 'b'.repeat(40), outdatedPaths: ['gone.txt'] });
    const review = { owner: 'o', repo: 'outdated', pull_number: 2, event: 'COMMENT' as const, body: 'b' };
    await expect(octokit.pulls.createReview({ ...review, comments: [{ path: 'gone.txt', line: 1, side: 'RIGHT', body: 'x' }] })).rejects.toMatchObject({ status: 422 });
    expect(gh.state.reviews.filter((r) => r.repo === 'outdated')).toEqual([]);
    await expect(octokit.pulls.createReview({ ...review, comments: [{ path: 'kept.txt', line: 1, side: 'RIGHT', body: 'x' }] })).resolves.toMatchObject({ status: 200 });
    expect(gh.state.reviewComments.filter((c) => c.repo === 'outdated')).toHaveLength(1);
    expect(gh.violations).toEqual([]);
  });

  it('serves a pull request\'s real files with patches, as GitHub documents them, and refuses a comment off the diff with GitHub\'s 422', async () => {
    const repo = new TestRepo();
    try {
      const base = repo.commit({ 'a.txt': Array.from({ length: 20 }, (_, k) => `line ${k + 1}`).join('\n') + '\n' }, 'base');
      repo.branch('feature');
      const head = repo.commit({ 'a.txt': Array.from({ length: 20 }, (_, k) => (k === 14 ? 'changed' : `line ${k + 1}`)).join('\n') + '\n', 'b.txt': 'new\n' }, 'change');
      gh.addPull('o', 'diff', { number: 3, baseSha: base, headSha: head, gitDir: repo.bare });
      const { data: files } = await octokit.pulls.listFiles({ owner: 'o', repo: 'diff', pull_number: 3 });
      expect(files.map((f) => [f.filename, f.status, f.additions, f.deletions])).toEqual([['a.txt', 'modified', 1, 1], ['b.txt', 'added', 1, 0]]);
      expect(files[0].patch).toMatch(/^@@ -12,7 \+12,7 @@/);
      const review = { owner: 'o', repo: 'diff', pull_number: 3, commit_id: head, event: 'COMMENT' as const, body: 'b' };
      // Line 2 of a.txt is outside the hunk (12-18): the whole review is refused, nothing stored.
      const refused = await octokit.pulls.createReview({ ...review, comments: [{ path: 'a.txt', line: 15, side: 'RIGHT', body: 'x' }, { path: 'a.txt', line: 2, side: 'RIGHT', body: 'y' }] }).catch((e: { status: number; response: { data: unknown } }) => e);
      expect(refused).toMatchObject({ status: 422, response: { data: { message: 'Unprocessable Entity', errors: ['Line could not be resolved'] } } });
      await expect(octokit.pulls.createReview({ ...review, comments: [{ path: 'c.txt', line: 1, side: 'RIGHT', body: 'x' }] })).rejects.toMatchObject({ status: 422 });
      expect(gh.state.reviews.filter((r) => r.repo === 'diff')).toEqual([]);
      // A context line of the hunk takes a comment, as on GitHub.
      await expect(octokit.pulls.createReview({ ...review, comments: [{ path: 'a.txt', line: 12, side: 'RIGHT', body: 'x' }, { path: 'b.txt', line: 1, side: 'RIGHT', body: 'z' }] })).resolves.toMatchObject({ status: 200 });
      // The answers above were checked against GitHub's documented responses too.
      expect(gh.violations).toEqual([]);
    } finally {
      repo.remove();
    }
  });

  it('checks answers against GitHub\'s documented responses: a files entry without its fields, or a 422 without documentation_url, is not GitHub\'s', () => {
    const files = matchOperation('GET', '/repos/o/r/pulls/1/files')!;
    expect(validateResponse(files, 200, [{ filename: 'a', status: 'modified' }]).join()).toMatch(/sha/);
    const review = matchOperation('POST', '/repos/o/r/pulls/1/reviews')!;
    expect(validateResponse(review, 422, { message: 'Unprocessable Entity', errors: ['Line could not be resolved'] }).join()).toMatch(/documentation_url/);
    expect(validateResponse(review, 422, { message: 'Unprocessable Entity', errors: ['Line could not be resolved'], documentation_url: 'https://docs.github.com/rest' })).toEqual([]);
  });

  it('injects 502 and secondary rate limits on the configured share of calls', async () => {
    gh.setFaults({ share: 1, kinds: ['secondary-429'], retryAfterSeconds: 3 });
    const err = await octokit.issues.create({ owner: 'o', repo: 'r', title: 'x' }).catch((e: { status: number; response: { headers: Record<string, string> } }) => e);
    gh.setFaults(null);
    expect(err).toMatchObject({ status: 429 });
    expect((err as { response: { headers: Record<string, string> } }).response.headers['retry-after']).toBe('3');
    expect(gh.violations).toEqual([]);
  });
});
