// What keywarden has already said on a pull request, read back from GitHub before a review is
// posted. Every leak keywarden reports carries a hidden marker (findingText.ts): in a review
// comment on its line, or, when GitHub refused to anchor the comments, in the lines of a
// body-only review. Both are read, on every try, so neither a job that runs again nor a try
// repeated after a lost answer says the same thing twice.
import type { InstallationOctokit } from '../githubClient.js';
import { LEAK_MARKER_RE } from './findingText.js';

export interface PullRef {
  owner: string;
  repo: string;
  pullNumber: number;
}

/** leakIds named by a marker in the pull request's review comments or review bodies. */
export async function leaksAlreadyReviewed(octokit: InstallationOctokit, ref: PullRef): Promise<Set<string>> {
  // Reads are safe to repeat, so the client's hook may retry them (paginate would drop a
  // `request: ONE_TRY` anyway: it forwards only method, url and headers).
  const params = { owner: ref.owner, repo: ref.repo, pull_number: ref.pullNumber, per_page: 100 };
  const [comments, reviews] = await Promise.all([
    octokit.paginate(octokit.rest.pulls.listReviewComments, params),
    octokit.paginate(octokit.rest.pulls.listReviews, params),
  ]);
  const seen = new Set<string>();
  for (const { body } of [...comments, ...reviews]) for (const m of (body ?? '').matchAll(LEAK_MARKER_RE)) seen.add(m[1]);
  return seen;
}
