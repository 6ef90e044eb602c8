// A pull request's review comments sit on the leak's line in the head version of the file
// (GitHub places `line` + `side: RIGHT` on the head), and one comment GitHub cannot place
// does not push every other one into the review body. Real Redis and BullMQ, real git
// repositories whose commits shift and remove lines, the scan worker, and the
// OpenAPI-validated GitHub stand-in serving the PR's real diff and refusing (422) a comment
// off it, as GitHub does.
import { describe, expect, it } from 'vitest';
import { formatToken } from '../../src/keyformat/keyFormat.js';
import { LEAK_MARKER_RE } from '../../src/app/publish/findingText.js';
import { enqueueScan } from '../../src/app/enqueueScan.js';
import { TestRepo } from '../support/gitRepo.js';
import { finishedJob, scanJobData, scanWorkerRig } from '../support/scanJobRuns.js';

const OWNER = 'Codertocat';
const rig = scanWorkerRig('review-lines');

const reviewsOf = (name: string) => rig.gh.state.reviews.filter((r) => r.repo === name);
const commentsOf = (name: string) => rig.gh.state.reviewComments.filter((c) => c.repo === name);
const statusesOf = (operationId: string, name: string) => rig.gh.requests.filter((r) => r.operationId === operationId && r.url.includes(`/${OWNER}/${name}/`)).map((r) => r.status);
const markersIn = (text: string | undefined) => [...(text ?? '').matchAll(LEAK_MARKER_RE)].map((m) => m[1]);
const lines = (n: number, word: string) => Array.from({ length: n }, (_, k) => `${word}_${k + 1} = ${k + 1}`);
const publicKeys = (n: number) => Array.from({ length: n }, () => `pk = ${formatToken('public', 'live')}`).join('\n') + '\n';

async function scanPull(name: string, repo: TestRepo, base: string, head: string, pullNumber: number) {
  rig.gh.addPull(OWNER, name, { number: pullNumber, baseSha: base, headSha: head, gitDir: repo.bare });
  const job = await finishedJob(rig.queue, await enqueueScan(rig.queue, scanJobData(repo, OWNER, name, { base, head, pullNumber })), rig.gh.violations);
  expect(job.failedReason).toBeUndefined();
  expect(await job.getState()).toBe('completed');
  return job;
}

describe('pull request review lines', () => {
  it('comments at the leak\'s line in the head version when a later commit shifted it', async () => {
    const name = 'shifted';
    const repo = rig.track(new TestRepo());
    const base = repo.commit({ 'README.md': 'hello\n' }, 'base');
    repo.branch('feature');
    const secret = formatToken('secret', 'live');
    const env = [...lines(2, 'SETTING'), `KEYSERVICE_SECRET_KEY=${secret}`, ...lines(2, 'OTHER')];
    repo.commit({ 'config/prod.env': env.join('\n') + '\n' }, 'add the key at line 3');
    const head = repo.commit({ 'config/prod.env': [...lines(10, 'HEADER'), ...env].join('\n') + '\n' }, 'ten lines on top');

    const job = await scanPull(name, repo, base, head, 3);
    const comments = commentsOf(name);
    expect(comments).toHaveLength(1);
    expect(comments[0]).toMatchObject({ path: 'config/prod.env', line: 13, side: 'RIGHT', commit_id: head });
    expect(job.returnvalue.reviewId).toBe(reviewsOf(name)[0].id);
    expect(rig.gh.requestsContaining(secret)).toEqual([]);
    expect(rig.gh.violations).toEqual([]);
  });

  it('lists in the body a leak removed later in the pull request, keeps the others inline, and the check run still reports it', async () => {
    const name = 'removed-later';
    const repo = rig.track(new TestRepo());
    const base = repo.commit({ 'README.md': 'hello\n' }, 'base');
    repo.branch('feature');
    const secret = formatToken('secret', 'live');
    const added = repo.commit({ 'config/prod.env': [...lines(4, 'SETTING'), `KEYSERVICE_SECRET_KEY=${secret}`].join('\n') + '\n' }, 'add the key');
    const head = repo.commit({ 'config/prod.env': lines(4, 'SETTING').join('\n') + '\n', 'web/public-keys.txt': publicKeys(2) }, 'remove the key, add public keys');

    await scanPull(name, repo, base, head, 4);
    const reviews = reviewsOf(name);
    expect(reviews).toHaveLength(1);
    const comments = commentsOf(name);
    expect(comments.map((c) => [c.path, c.line])).toEqual([['web/public-keys.txt', 1], ['web/public-keys.txt', 2]]);
    expect(reviews[0].body).toContain(`\`config/prod.env\` line 5 of commit ${added.slice(0, 12)}, removed later in this pull request but still in its history`);
    expect(reviews[0].body).toContain('1 of them could not be placed');
    expect(new Set([...markersIn(reviews[0].body), ...comments.flatMap((c) => markersIn(c.body))]).size).toBe(3);
    // Only the successful review: nothing was refused.
    expect(statusesOf('pulls/create-review', name)).toEqual([200]);
    // It is in the history, so the check run still fails on it.
    const run = rig.gh.state.checkRuns.find((c) => c.repo === name && c.status === 'completed');
    expect(run?.conclusion).toBe('failure');
    expect(run?.annotations.some((a) => a.path === 'config/prod.env')).toBe(true);
    expect(rig.gh.requestsContaining(secret)).toEqual([]);
    expect(rig.gh.violations).toEqual([]);
  });
});

/**
 * A leak that is in the head but outside the PR's diff: the base already holds the key, the
 * PR's first commit removes that line and its second puts it back, so the history adds it
 * while the diff does not change it. `touchFile` also changes the file elsewhere (so GitHub
 * lists it, with a patch that does not reach the key's line).
 */
function keyPutBack(name: string, touchFile: boolean) {
  const repo = rig.track(new TestRepo());
  const secret = formatToken('secret', 'live');
  const env = [...lines(2, 'SETTING'), `KEYSERVICE_SECRET_KEY=${secret}`, ...lines(20, 'OTHER')];
  const base = repo.commit({ 'config/prod.env': env.join('\n') + '\n' }, 'base holds the key');
  repo.branch('feature');
  const withoutKey = env.filter((l) => !l.includes(secret));
  const tail = touchFile ? ['APPENDED = 1'] : [];
  repo.commit({ 'config/prod.env': [...withoutKey, ...tail].join('\n') + '\n' }, 'remove the key');
  const head = repo.commit({ 'config/prod.env': [...env, ...tail].join('\n') + '\n', 'web/public-keys.txt': publicKeys(3) }, 'put it back, add public keys');
  return { repo, base, head, secret };
}

describe('a review comment GitHub cannot place', () => {
  it('goes to the body when the PR\'s patch shows its line is outside the diff; the others stay inline, with no refused review', async () => {
    const name = 'outside-patch';
    const { repo, base, head, secret } = keyPutBack(name, true);
    await scanPull(name, repo, base, head, 5);
    const reviews = reviewsOf(name);
    expect(reviews).toHaveLength(1);
    expect(commentsOf(name).map((c) => c.path)).toEqual(['web/public-keys.txt', 'web/public-keys.txt', 'web/public-keys.txt']);
    expect(reviews[0].body).toContain('`config/prod.env` line 3 (outside this pull request\'s diff)');
    expect(statusesOf('pulls/create-review', name)).toEqual([200]);
    expect(rig.gh.requestsContaining(secret)).toEqual([]);
    expect(rig.gh.violations).toEqual([]);
  });

  it('goes to the body after GitHub refuses the review (422) when no patch told; the others stay inline', async () => {
    const name = 'refused-once';
    // The file ends as it began: GitHub does not list it, so nothing says the line is off the diff.
    const { repo, base, head, secret } = keyPutBack(name, false);
    await scanPull(name, repo, base, head, 6);
    const reviews = reviewsOf(name);
    expect(reviews).toHaveLength(1);
    expect(commentsOf(name)).toHaveLength(3);
    expect(commentsOf(name).every((c) => c.path === 'web/public-keys.txt' && c.review_id === reviews[0].id)).toBe(true);
    expect(reviews[0].body).toContain('`config/prod.env` line 3');
    expect(new Set(markersIn(reviews[0].body)).size).toBe(1);
    // GitHub refused the first try as a whole, as it does; the second placed all it could.
    expect(statusesOf('pulls/create-review', name)).toEqual([422, 200]);
    const refusal = rig.gh.requests.find((r) => r.operationId === 'pulls/create-review' && r.status === 422 && r.url.includes(`/${name}/`));
    expect(refusal?.body).toContain('config/prod.env');
    expect(rig.gh.requestsContaining(secret)).toEqual([]);
    expect(rig.gh.violations).toEqual([]);
  });
});
