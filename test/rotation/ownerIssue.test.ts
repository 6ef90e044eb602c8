import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Octokit } from '@octokit/rest';
import { withRetryHook } from '../../src/github/client.js';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { startGitHubStandIn, type GitHubStandIn } from '../support/githubStandIn.js';
import { ensureOwnerIssue, ISSUE_LABEL } from '../../src/rotation/ownerIssue.js';
import { secretMarker } from '../../src/rotation/issueBody.js';
import { redisLock } from '../../src/queue/redisLock.js';
import type { RotationResult } from '../../src/rotation/rotator.js';
import { formatToken } from '../../src/keyformat/keyFormat.js';
import { rotateJobFor } from './fixtures.js';

const TOKEN = 'ghs_ownerissuetesttoken000000000000000';
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const fast = { retries: 8, baseDelayMs: 5, maxDelayMs: 50 };
const now = () => new Date('2026-11-23T21:00:00.000Z');
const rolled: RotationResult = {
  outcome: 'rolled',
  via: 'report',
  mode: 'live',
  rolledAt: '2026-11-23T21:00:00.000Z',
  oldKeyExpiresAt: '2026-11-24T09:00:00.000Z',
};

let gh: GitHubStandIn;
let octokit: Octokit;
let redis: Redis;
const prefix = `kw-test-owner-${randomUUID()}`;

beforeAll(async () => {
  gh = await startGitHubStandIn();
  gh.state.tokens.add(TOKEN);
  // As the workers' clients: every request through the one retry layer (github/retry.ts).
  octokit = withRetryHook(new Octokit({ baseUrl: gh.url, auth: TOKEN, log: quiet }), 1, { retry: fast });
  redis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: null });
});
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
  await gh.close();
});
beforeEach(() => {
  gh.setFaults(null);
  gh.state.issues.length = 0;
  gh.state.issueComments.length = 0;
});

describe('owner issue', () => {
  it('opens one issue with marker, labels, the assignable author and the exact deadline', async () => {
    const secret = formatToken('secret', 'live');
    const job = rotateJobFor(secret);
    const out = await ensureOwnerIssue(octokit, job, rolled, { labels: ['security', 'urgent'], now });
    expect(out.created).toBe(true);
    expect(gh.state.issues).toHaveLength(1);
    const issue = gh.state.issues[0];
    expect(issue.title).toBe('Leaked live secret key: rolled, old key stops working 2026-11-24 09:00 UTC');
    expect(issue.body).toContain(secretMarker(job.secretHash));
    expect(issue.body).toContain('The old key stops working at 2026-11-24 09:00 UTC** (in 12 hours)');
    expect(issue.body).toContain('rolled at **2026-11-23 21:00 UTC**');
    expect(issue.body).toContain('`config/settings.py`, line 12');
    expect(issue.body).toContain(job.preview);
    expect(issue.body).toContain('keywarden:allow');
    expect(issue.body).toContain('purge');
    expect(issue.labels.sort()).toEqual([ISSUE_LABEL, 'security', 'urgent'].sort());
    expect(issue.assignees).toEqual(['octocat']);
    expect(gh.violations).toEqual([]);
    expect(gh.requestsContaining(secret)).toEqual([]);
  });

  it('never opens a second issue on a re-run, and comments once for another sighting of the key', async () => {
    const secret = formatToken('secret', 'live');
    const job = rotateJobFor(secret);
    await ensureOwnerIssue(octokit, job, rolled, { now });
    const again = await ensureOwnerIssue(octokit, job, rolled, { now });
    expect(again).toMatchObject({ created: false, commented: false });

    const elsewhere = rotateJobFor(secret, { path: 'deploy/.env', line: 3 });
    const seen = { ...rolled, outcome: 'already_rolled' as const };
    const first = await ensureOwnerIssue(octokit, elsewhere, seen, { now });
    const second = await ensureOwnerIssue(octokit, elsewhere, seen, { now });
    expect(first).toMatchObject({ created: false, commented: true, number: again.number });
    expect(second.commented).toBe(false);
    expect(gh.state.issues).toHaveLength(1);
    expect(gh.state.issueComments).toHaveLength(1);
    expect(gh.state.issueComments[0].body).toContain('deploy/.env');
    expect(gh.state.issueComments[0].body).toContain('2026-11-24 09:00 UTC');
  });

  it('leaves the issue unassigned when the author cannot be assigned, and falls back to config assignees', async () => {
    const a = rotateJobFor(formatToken('secret', 'live'), { authorLogin: 'drive-by-contributor' });
    await ensureOwnerIssue(octokit, a, rolled, { now });
    const b = rotateJobFor(formatToken('secret', 'live'), { authorLogin: 'drive-by-contributor' });
    await ensureOwnerIssue(octokit, b, rolled, { now, assignees: ['Codertocat'] });
    expect(gh.state.issues.map((i) => i.assignees)).toEqual([[], ['Codertocat']]);
    expect(gh.violations).toEqual([]);
  });

  it('comments on the pull request the leak came from, once', async () => {
    gh.addPull('octo-org', 'shop', { number: 7, baseSha: 'b'.repeat(40), headSha: 'c'.repeat(40) });
    const job = rotateJobFor(formatToken('secret', 'live'), { pullRequest: { number: 7, htmlUrl: 'https://github.com/octo-org/shop/pull/7' } });
    const out = await ensureOwnerIssue(octokit, job, rolled, { now });
    await ensureOwnerIssue(octokit, job, rolled, { now });
    expect(out.pullRequestCommented).toBe(true);
    const prComments = gh.state.issueComments.filter((c) => c.issue_number === 7);
    expect(prComments).toHaveLength(1);
    expect(prComments[0].body).toContain(out.url);
    expect(gh.state.issues[0].body).toContain('[#7](https://github.com/octo-org/shop/pull/7)');
  });

  it('states the existing deadline when the key had been rolled before', async () => {
    const job = rotateJobFor(formatToken('secret', 'test'));
    await ensureOwnerIssue(octokit, job, { ...rolled, outcome: 'already_rolled', mode: 'test', oldKeyExpiresAt: '2026-11-24T01:30:00.000Z' }, { now });
    expect(gh.state.issues[0].title).toBe('Leaked test secret key: already rolled, old key stops working 2026-11-24 01:30 UTC');
    expect(gh.state.issues[0].body).toContain('(in 5 hours)');
  });

  it('survives 502s and secondary rate limits, and concurrent jobs for one key still open one issue', async () => {
    gh.setFaults({ share: 0.4, retryAfterSeconds: 0 });
    const secret = formatToken('secret', 'live');
    const withLock = redisLock(redis, { prefix, ttlMs: 10_000 });
    const jobs = Array.from({ length: 6 }, (_, i) => rotateJobFor(secret, { path: `file${i}.txt` }));
    // A write that got a 502 is not re-sent in-process (GitHub may have acted): the job's next
    // attempt looks again, as BullMQ's retry would run it.
    const asJob = async (j: (typeof jobs)[number]) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await ensureOwnerIssue(octokit, j, rolled, { now, withLock });
        } catch (err) {
          if (attempt >= 12) throw err;
        }
      }
    };
    await Promise.all(jobs.map(asJob));
    gh.setFaults(null);
    expect(gh.state.issues).toHaveLength(1);
    // The creator's own sighting is in the body; the other five each comment once.
    expect(gh.state.issueComments).toHaveLength(5);
    expect(gh.requests.some((r) => r.status === 502)).toBe(true);
    expect(gh.requests.some((r) => r.status === 403 || r.status === 429)).toBe(true);
    expect(gh.violations).toEqual([]);
  });
});
