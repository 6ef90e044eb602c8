// On a pull request: ONE review per scan, with a comment on each leaking line (`line` and
// `side: RIGHT`, never the deprecated `position`). Leaks already reviewed (a hidden marker in
// earlier review comments or review bodies) and leaks from the baseline are not commented
// again. That check is also what makes a repeat safe: GitHub may store a review and answer
// 5xx, so the review is posted once (ONE_TRY) and the job's retry starts by reading the markers.
import { isBlocking, type Finding } from '../../scan/index.js';
import type { InstallationOctokit } from '../../github/client.js';
import { leaksAlreadyReviewed } from './existingReviews.js';
import { howToSilence, leakId, leakMarker, whyItMatters } from './findingText.js';
import { ONE_TRY } from '../../github/oneTry.js';

export interface PrReviewInput {
  owner: string;
  repo: string;
  pullNumber: number;
  headSha: string;
  findings: Finding[];
  /** leakIds known from the installation baseline: not commented on PRs. */
  baseline: ReadonlySet<string>;
}

export interface PrReviewResult {
  /** The review that says this scan's leaks: the one posted now, or, when everything was said before, the newest that said it. */
  reviewId?: number;
  commented: number;
  alreadyCommented: number;
  /** Comments GitHub refused to anchor (line not in the diff), listed in the review body instead. */
  unanchored: number;
}

export function commentBody(f: Finding): string {
  const level = isBlocking(f) ? '**Leaked secret**' : 'Public key';
  return [
    `${level}: ${f.description} \`${f.preview}\` (rule \`${f.ruleId}\`).`,
    '',
    whyItMatters(f),
    '',
    howToSilence(f),
    leakMarker(f),
  ].join('\n');
}

export async function publishPrReview(octokit: InstallationOctokit, i: PrReviewInput): Promise<PrReviewResult> {
  const already = await leaksAlreadyReviewed(octokit, i);
  const fresh = new Map<string, Finding>();
  let alreadyCommented = 0;
  let saidIn = 0;
  for (const f of i.findings) {
    const id = leakId(f);
    if (i.baseline.has(id)) continue;
    const reviewed = already.get(id);
    if (reviewed !== undefined) {
      alreadyCommented++;
      saidIn = Math.max(saidIn, reviewed);
      continue;
    }
    if (!fresh.has(id)) fresh.set(id, f);
  }
  // Nothing new: a repeat of this scan (or a later one) names the review that already says it.
  if (fresh.size === 0) return { reviewId: saidIn || undefined, commented: 0, alreadyCommented, unanchored: 0 };
  const list = [...fresh.values()];
  const summary = `keywarden found ${list.length} new leak${list.length === 1 ? '' : 's'} in this pull request. See the \`keywarden / pull request\` check for details.`;
  const comments = list.map((f) => ({ path: f.path, line: f.line, side: 'RIGHT' as const, body: commentBody(f) }));
  const review = { owner: i.owner, repo: i.repo, pull_number: i.pullNumber, commit_id: i.headSha, event: 'COMMENT' as const, request: ONE_TRY };
  try {
    const { data } = await octokit.rest.pulls.createReview({ ...review, body: summary, comments });
    return { reviewId: data.id, commented: list.length, alreadyCommented, unanchored: 0 };
  } catch (err) {
    // 422: a line is no longer in the PR's diff (a later commit removed it). Say it in the body;
    // each line keeps its leak's marker (commentBody ends with it), which is what a repeat finds.
    if ((err as { status?: number }).status !== 422) throw err;
    const body = cappedBody(summary, list.map((f) => `- \`${f.path}\` line ${f.line}: ${commentBody(f).replace(/\n+/g, ' ')}`));
    const { data } = await octokit.rest.pulls.createReview({ ...review, body });
    return { reviewId: data.id, commented: 0, alreadyCommented, unanchored: list.length };
  }
}

/** GitHub refuses a review body longer than this (422). */
export const MAX_REVIEW_BODY = 65_536;

/** The summary and as many whole leak lines as fit in GitHub's limit, then how many were left out. */
function cappedBody(summary: string, lines: string[]): string {
  const out = [summary, ''];
  let length = summary.length + 1;
  // Room for the closing line, whatever the count.
  const reserve = 120;
  let listed = 0;
  for (const line of lines) {
    if (length + 1 + line.length > MAX_REVIEW_BODY - reserve) break;
    out.push(line);
    length += 1 + line.length;
    listed++;
  }
  if (listed < lines.length) out.push('', `… and ${lines.length - listed} more, not listed here (GitHub's size limit): see the check run's annotations.`);
  return out.join('\n');
}
