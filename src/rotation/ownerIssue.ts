// The owner's issue: ONE per leaked key per repository, found again by a hidden marker.
//
// A worker can die between "issue created" and "job completed", and the job then runs again.
// So every run searches before it creates, and every comment carries the leak's event marker
// so it is posted once. The search lists the repository's `keywarden`-labelled issues (state
// all) rather than using the search API, whose index lags by seconds to minutes and would
// miss an issue created just before a crash. Two jobs for the same key (the key leaked in two
// files) take a lock on repo + secretHash, so they cannot both miss and both create.
// Writes go once (ONE_TRY): GitHub may store an issue and still answer 502, so nothing here
// loops; the notify job's retry looks again before it writes (github/retry.ts).
import type { RotateJobData } from './rotateJobData.js';
import type { RotationResult } from './rotator.js';
import type { GitHubClient } from '../github/retry.js';
import { ONE_TRY } from '../github/oneTry.js';
import { eventMarker, followUpComment, issueBody, issueTitle, pullRequestComment, secretMarker } from './issueBody.js';

/** Every issue keywarden opens carries this label, which is also how it finds them again. */
export const ISSUE_LABEL = 'keywarden';

export interface OwnerIssueOptions {
  /** Extra labels from the repository's config. */
  labels?: string[];
  /** Assignees from the repository's config, used when the commit author cannot be assigned. */
  assignees?: string[];
  now?: () => Date;
  /** Serialises find-or-create for one key in one repository (across workers). */
  withLock?: <T>(key: string, fn: () => Promise<T>) => Promise<T>;
}

export interface OwnerIssueResult {
  number: number;
  url: string;
  created: boolean;
  commented: boolean;
  pullRequestCommented: boolean;
}

interface IssueLike {
  number: number;
  html_url: string;
  body?: string | null;
}

export async function findIssueForSecret(gh: GitHubClient, owner: string, repo: string, secretHash: string): Promise<IssueLike | undefined> {
  const marker = secretMarker(secretHash);
  for (let page = 1; page <= 50; page++) {
    const res = await gh.request('GET /repos/{owner}/{repo}/issues', { owner, repo, labels: ISSUE_LABEL, state: 'all', per_page: 100, page });
    const issues = res.data as IssueLike[];
    const hit = issues.find((i) => (i.body ?? '').includes(marker));
    if (hit) return hit;
    if (issues.length < 100) return undefined;
  }
  return undefined;
}

async function hasCommentWith(gh: GitHubClient, owner: string, repo: string, issueNumber: number, marker: string): Promise<boolean> {
  for (let page = 1; page <= 50; page++) {
    const res = await gh.request('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner, repo, issue_number: issueNumber, per_page: 100, page });
    const comments = res.data as Array<{ body?: string | null }>;
    if (comments.some((c) => (c.body ?? '').includes(marker))) return true;
    if (comments.length < 100) return false;
  }
  return false;
}

/** True when GitHub says the user can be assigned issues in this repository (204), false on 404. */
export async function isAssignable(gh: GitHubClient, owner: string, repo: string, login: string): Promise<boolean> {
  try {
    await gh.request('GET /repos/{owner}/{repo}/assignees/{assignee}', { owner, repo, assignee: login });
    return true;
  } catch (err) {
    if ((err as { status?: number }).status === 404) return false;
    throw err;
  }
}

async function chooseAssignees(gh: GitHubClient, job: RotateJobData, opts: OwnerIssueOptions): Promise<string[]> {
  const candidates = [...(job.authorLogin ? [job.authorLogin] : []), ...(opts.assignees ?? [])];
  const out: string[] = [];
  for (const login of candidates) {
    if (out.includes(login)) continue;
    if (await isAssignable(gh, job.owner, job.repo, login)) out.push(login);
    // The author is enough when assignable; config assignees are the fallback.
    if (out.length > 0 && login === job.authorLogin) break;
  }
  return out;
}

async function commentOnce(gh: GitHubClient, job: RotateJobData, issueNumber: number, body: string): Promise<boolean> {
  const marker = eventMarker(job.idempotencyKey);
  if (await hasCommentWith(gh, job.owner, job.repo, issueNumber, marker)) return false;
  await gh.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', { owner: job.owner, repo: job.repo, issue_number: issueNumber, body, request: ONE_TRY });
  return true;
}

/**
 * Opens the owner's issue for this leak, or reuses the one already open for the same key
 * (then comments once with the new state). Also comments on the pull request it came from.
 */
export async function ensureOwnerIssue(gh: GitHubClient, job: RotateJobData, result: RotationResult, opts: OwnerIssueOptions = {}): Promise<OwnerIssueResult> {
  const now = opts.now ?? (() => new Date());
  const lock = opts.withLock ?? (<T>(_k: string, fn: () => Promise<T>) => fn());
  const { owner, repo } = job;

  const issue = await lock(`issue:${owner}/${repo}:${job.secretHash}`, async () => {
    const existing = await findIssueForSecret(gh, owner, repo, job.secretHash);
    if (existing) {
      // Our own issue from an earlier, interrupted run of this very job: nothing to add.
      const ours = (existing.body ?? '').includes(eventMarker(job.idempotencyKey));
      const commented = ours ? false : await commentOnce(gh, job, existing.number, followUpComment(job, result, now()));
      return { number: existing.number, url: existing.html_url, created: false, commented };
    }
    const assignees = await chooseAssignees(gh, job, opts);
    const labels = [...new Set([ISSUE_LABEL, ...(opts.labels ?? [])])];
    const res = await gh.request('POST /repos/{owner}/{repo}/issues', {
      owner,
      repo,
      title: issueTitle(job, result),
      body: issueBody(job, result, now()),
      labels,
      ...(assignees.length > 0 ? { assignees } : {}),
      request: ONE_TRY,
    });
    const created = res.data as IssueLike;
    return { number: created.number, url: created.html_url, created: true, commented: false };
  });

  let pullRequestCommented = false;
  if (job.pullRequest) {
    pullRequestCommented = await commentOnce(gh, job, job.pullRequest.number, pullRequestComment(job, result, issue.url, now()));
  }
  return { ...issue, pullRequestCommented };
}

/** A public key found in a pull request: say so there; no issue, nothing rotated. */
export async function notePublicKeyOnPullRequest(gh: GitHubClient, job: RotateJobData, result: RotationResult, opts: OwnerIssueOptions = {}): Promise<boolean> {
  if (!job.pullRequest) return false;
  const now = opts.now ?? (() => new Date());
  return commentOnce(gh, job, job.pullRequest.number, pullRequestComment(job, result, undefined, now()));
}
