// When the owner's issue cannot be opened (issues disabled: 410; archived: 403; repository
// gone: 404), the key has still been rolled or revoked and someone must hear of it before the
// deadline. Next best: a comment on the leaking commit (once, found again by the leak's event
// marker); then the issue in the organization's contact repository (`notify.fallbackRepo` in
// `.github/keywarden.yml`), which names the repository the key leaked from. With neither, the
// notify job fails for good: logged, counted in metrics, kept in the failed set.
import { UnrecoverableError } from 'bullmq';
import type { RotateJobData } from './rotateJobData.js';
import type { RotationResult } from './rotator.js';
import { isRateLimited, type GitHubClient } from '../github/retry.js';
import { ONE_TRY } from '../github/oneTry.js';
import { eventMarker, issueBody } from './issueBody.js';
import { ensureOwnerIssue, type OwnerIssueOptions } from './ownerIssue.js';

export interface FallbackResult {
  via: 'commit-comment' | 'fallback-repo';
  url?: string;
  number?: number;
}

/** GitHub refuses this write for good in this repository: the issue (or comment) can't go here. */
export function isRefusedHere(err: unknown): boolean {
  const e = err as { status?: number; message?: string; response?: { headers?: Record<string, unknown>; data?: unknown } };
  if (e.status === 410 || e.status === 404) return true;
  return e.status === 403 && !isRateLimited(e);
}

async function commitCommentOnce(gh: GitHubClient, job: RotateJobData, body: string, opts: OwnerIssueOptions): Promise<string | undefined> {
  const marker = eventMarker(job.idempotencyKey);
  const look = async () => {
    const res = await gh.request('GET /repos/{owner}/{repo}/commits/{commit_sha}/comments', { owner: job.owner, repo: job.repo, commit_sha: job.commit, per_page: 100 });
    return (res.data as Array<{ body?: string | null; html_url?: string }>).find((c) => (c.body ?? '').includes(marker));
  };
  const found = await look();
  if (found) return found.html_url ?? '';
  // Sent once: a 502 can arrive after GitHub stored the comment, and the job's retry finds it above.
  const res = await gh.request('POST /repos/{owner}/{repo}/commits/{commit_sha}/comments', { owner: job.owner, repo: job.repo, commit_sha: job.commit, body, request: ONE_TRY });
  return (res.data as { html_url?: string }).html_url ?? '';
}

/** Tells the owner another way; throws UnrecoverableError when there is no way left. */
export async function notifyByFallback(gh: GitHubClient, job: RotateJobData, result: RotationResult, fallbackRepo: string | undefined, opts: OwnerIssueOptions, cause: unknown): Promise<FallbackResult> {
  const now = opts.now ?? (() => new Date());
  const reasons = [`issue: ${(cause as Error).message}`];
  if (job.commit) {
    try {
      const url = await commitCommentOnce(gh, job, issueBody(job, result, now()), opts);
      return { via: 'commit-comment', url };
    } catch (err) {
      if (!isRefusedHere(err)) throw err;
      reasons.push(`commit comment: ${(err as Error).message}`);
    }
  }
  const [owner, repo, extra] = fallbackRepo?.split('/') ?? [];
  if (owner && repo && extra === undefined) {
    // The contact repository's issue names where the key leaked; the PR comment stays with the PR.
    const issue = await ensureOwnerIssue(gh, { ...job, owner, repo, pullRequest: undefined, reportedFrom: `${job.owner}/${job.repo}` }, result, opts);
    return { via: 'fallback-repo', url: issue.url, number: issue.number };
  }
  throw new UnrecoverableError(
    `NOTIFY_NO_CHANNEL: nobody could be told about the leak in ${job.owner}/${job.repo} (${reasons.join('; ')}); set notify.fallbackRepo in .github/keywarden.yml (an org/repo whose issues are on)`,
  );
}
