// Is a pull request scan still about the pull request's head? A push to the branch while the
// scan ran (a `synchronize` that queued a scan of the newer head) supersedes it: a review of
// the older head would comment on lines the pull request may no longer show, beside the newer
// scan's own review. Asked right before the report, under the scan's report lock, so the
// answer is as fresh as GitHub's.
import type { InstallationOctokit } from '../../github/client.js';

export interface PullRef {
  owner: string;
  repo: string;
  pullNumber: number;
  /** The head commit the scan covered. */
  headSha: string;
}

/**
 * The pull request's head now, when it is no longer the scanned one; undefined while it still
 * is. A read: the client's retry hook repeats it on 5xx and rate limits, nothing more here.
 */
export async function newerPullHead(octokit: InstallationOctokit, p: PullRef): Promise<string | undefined> {
  const { data } = await octokit.rest.pulls.get({ owner: p.owner, repo: p.repo, pull_number: p.pullNumber });
  return data.head.sha === p.headSha ? undefined : data.head.sha;
}

/** The check run's note on a superseded scan: what it still says, and what it left out. */
export function supersededNote(newerHead: string): string {
  return [
    `**Superseded**: the pull request's head is now ${newerHead.slice(0, 7)}, and that commit's scan reports on the pull request.`,
    'This run keeps the result for this commit (it still holds if the branch is reset to it); no review was posted for it.',
  ].join(' ');
}
