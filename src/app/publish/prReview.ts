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
import { readDiffLines } from './diffLines.js';

export interface PrReviewInput {
  owner: string;
  repo: string;
  pullNumber: number;
  headSha: string;
  findings: Finding[];
  /** leakIds known from the installation baseline: not commented on PRs. */
  baseline: ReadonlySet<string>;
  /** leakId → the leak's line in the head version (absent: gone from the head); without it, each finding's own line. */
  headLines?: Readonly<Record<string, number>>;
}

export interface PrReviewResult {
  /** The review that says this scan's leaks: the one posted now, or, when everything was said before, the newest that said it. */
  reviewId?: number;
  commented: number;
  alreadyCommented: number;
  /** Leaks that could not be placed on a line of the diff (gone from the head, outside the diff, or refused by GitHub), listed in the review body instead. */
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
  const diff = await readDiffLines(octokit, i);
  // Each leak goes on its line in the head version (the review is of the head), inline when
  // the PR's diff holds that line, tried inline when GitHub gave no patch to tell, and in the
  // review body when it cannot be placed: gone from the head (removed later in the PR, still
  // in its history), or outside the diff.
  const sure: Placed[] = [];
  const unsure: Placed[] = [];
  const inBody: string[] = [];
  for (const f of list) {
    const line = i.headLines ? i.headLines[leakId(f)] : f.line;
    if (line === undefined) {
      inBody.push(bodyLine(f, `line ${f.line} of commit ${(f.commit ?? '').slice(0, 12)}, removed later in this pull request but still in its history`));
      continue;
    }
    const placement = diff.placement(f.path, line);
    if (placement === 'no') inBody.push(bodyLine(f, `line ${line} (outside this pull request's diff)`));
    else (placement === 'yes' ? sure : unsure).push({ f, line });
  }
  const review = { owner: i.owner, repo: i.repo, pull_number: i.pullNumber, commit_id: i.headSha, event: 'COMMENT' as const, request: ONE_TRY };
  const post = async (inline: Placed[], extra: Placed[]): Promise<PrReviewResult> => {
    const listed = [...inBody, ...extra.map((p) => bodyLine(p.f, `line ${p.line}`))];
    const body = cappedBody(summaryOf(list.length, listed.length), listed);
    const comments = inline.map((p) => ({ path: p.f.path, line: p.line, side: 'RIGHT' as const, body: commentBody(p.f) }));
    const { data } = await octokit.rest.pulls.createReview({ ...review, body, ...(comments.length > 0 ? { comments } : {}) });
    return { reviewId: data.id, commented: inline.length, alreadyCommented, unanchored: listed.length };
  };
  // GitHub refuses the whole review (422) for one comment it cannot place, without naming it.
  // Those it may refuse are the ones without a patch: on a 422 they go to the body; on another
  // (the PR moved under us), every leak does. Each line of the body keeps its leak's marker
  // (commentBody ends with it), which is what a repeat finds.
  const attempts: Array<[Placed[], Placed[]]> = [[[...sure, ...unsure], []]];
  if (unsure.length > 0 && sure.length > 0) attempts.push([sure, unsure]);
  attempts.push([[], [...sure, ...unsure]]);
  for (const [n, [inline, extra]] of attempts.entries()) {
    if (inline.length === 0 && n < attempts.length - 1) continue;
    try {
      return await post(inline, extra);
    } catch (err) {
      if ((err as { status?: number }).status !== 422 || n === attempts.length - 1) throw err;
    }
  }
  throw new Error('unreachable: the last attempt returns or throws');
}

interface Placed {
  f: Finding;
  line: number;
}

function summaryOf(leaks: number, unplaced: number): string {
  const found = `keywarden found ${leaks} new leak${leaks === 1 ? '' : 's'} in this pull request. See the \`keywarden / pull request\` check for details.`;
  if (unplaced === 0) return found;
  const placed = unplaced === leaks ? 'None of them could be placed' : `${unplaced} of them could not be placed`;
  return `${found} ${placed} on a line of this pull request's diff; they are listed here.`;
}

function bodyLine(f: Finding, where: string): string {
  return `- \`${f.path}\` ${where}: ${commentBody(f).replace(/\n+/g, ' ')}`;
}

/** GitHub refuses a review body longer than this (422). */
export const MAX_REVIEW_BODY = 65_536;

/** The summary and as many whole leak lines as fit in GitHub's limit, then how many were left out. */
function cappedBody(summary: string, lines: string[]): string {
  if (lines.length === 0) return summary;
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
