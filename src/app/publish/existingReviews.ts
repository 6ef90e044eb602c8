// What keywarden has already said on a pull request, read back from GitHub before a review is
// posted. Every leak keywarden reports carries a hidden marker (findingText.ts): in a review
// comment on its line, or, when GitHub refused to anchor the comments, in the lines of a
// body-only review. Both are read, on every try, so neither a job that runs again nor a try
// repeated after a lost answer says the same thing twice.
import type { InstallationOctokit } from '../../github/client.js';
import { LEAK_MARKER_RE } from './findingText.js';

export interface PullRef {
  owner: string;
  repo: string;
  pullNumber: number;
}

/**
 * leakIds named by a marker in the pull request's review comments or review bodies, each with
 * the id of the review that said it (the newest, when several did): a repeat that finds
 * nothing left to say still names the review an earlier try stored.
 */
export async function leaksAlreadyReviewed(octokit: InstallationOctokit, ref: PullRef): Promise<Map<string, number>> {
  // Reads are safe to repeat, so the client's hook may retry them (paginate would drop a
  // `request: ONE_TRY` anyway: it forwards only method, url and headers).
  const params = { owner: ref.owner, repo: ref.repo, pull_number: ref.pullNumber, per_page: 100 };
  const [comments, reviews] = await Promise.all([
    octokit.paginate(octokit.rest.pulls.listReviewComments, params),
    octokit.paginate(octokit.rest.pulls.listReviews, params),
  ]);
  const seen = new Map<string, number>();
  // A comment whose review GitHub does not name still counts as said (review id 0).
  const said = (body: string | null | undefined, reviewId: number | null | undefined): void => {
    for (const m of (body ?? '').matchAll(LEAK_MARKER_RE)) seen.set(m[1], Math.max(seen.get(m[1]) ?? 0, reviewId ?? 0));
  };
  for (const c of comments) said(c.body, c.pull_request_review_id);
  for (const r of reviews) said(r.body, r.id);
  return seen;
}
