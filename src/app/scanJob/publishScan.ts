// Step 5 of a scan job: tell GitHub. An installation gets its baseline issue (and the
// baseline store learns its leaks, so pull requests don't repeat them); a push or pull
// request gets its check run, and a pull request its review. Returns what was published.
import type { InstallationOctokit } from '../../github/client.js';
import type { BaselineStore } from '../baselineStore.js';
import type { ScanJobData } from '../scanJobData.js';
import type { RepoConfig } from '../repoConfig.js';
import type { ScanCommitsResult } from './scanCommits.js';
import { checkNameFor, publishCheckRun } from '../publish/checkRun.js';
import { publishPrReview } from '../publish/prReview.js';
import { newerPullHead, supersededNote } from '../publish/pullHead.js';
import { publishBaselineIssue, type BaselineIssueInput } from '../publish/baselineIssue.js';
import { leakId } from '../publish/findingText.js';
import type { Actions } from './actOnFindings.js';
import type { CheckRunRef } from '../publish/existingCheckRun.js';

export interface PublishInput {
  job: ScanJobData;
  /** The scan's identity (its job id): how a repeat finds the check run it made. */
  scanId: string;
  defaultBranch: string;
  headSha?: string;
  result: ScanCommitsResult;
  issues: RepoConfig['issues'];
  /** Which findings fail the check run. */
  failing?: RepoConfig['failing'];
  /** The conclusion of a scan that did not cover everything. */
  incompleteScan?: RepoConfig['incompleteScan'];
  invalidConfig?: string;
  notes: string[];
  /** What the act step did: the baseline issue says whether keys were rolled, and their state. */
  actions?: Actions;
}

/** The check run a push or pull request scan reports on; an installation scan has none. */
export function scanCheckRunRef(d: ScanJobData, scanId: string): CheckRunRef | undefined {
  if (d.event === 'installation') return undefined;
  return { owner: d.owner, repo: d.repo, headSha: d.pullRequest?.headSha ?? d.after, name: checkNameFor(d.event, d.ref), externalId: scanId };
}

export interface Published {
  checkRunId?: number;
  /** A pull request scan whose head was replaced by a newer push: that newer head. */
  supersededBy?: string;
  reviewId?: number;
  baselineIssue?: number;
}

function baselineRotation(a: Actions | undefined): BaselineIssueInput['rotation'] {
  if (!a) return undefined;
  if (a.rotationsQueued > 0) return 'queued';
  return a.rotationSkipped;
}

export async function publishScan(octokit: InstallationOctokit, i: PublishInput, deps: { baseline: BaselineStore }): Promise<Published> {
  const { job: d, result } = i;
  if (d.event === 'installation') {
    await deps.baseline.add(d.owner, d.repo, result.findings.map(leakId));
    const baselineIssue = await publishBaselineIssue(octokit, { owner: d.owner, repo: d.repo, defaultBranch: i.defaultBranch, findings: result.findings, commits: result.commits, truncated: result.truncated, labels: i.issues.labels, assignees: i.issues.assignees, keyStates: i.actions?.keyStates, rotation: baselineRotation(i.actions) });
    return { baselineIssue };
  }
  if (!i.headSha) return {};
  const out: Published = {};
  // A pull request scan whose head a newer push replaced ends quietly: no review (the newer
  // head's scan posts its own). Its check run still gets the real result, not a `skipped`
  // or `neutral` stand-in: the run stays on the old commit only, which the pull request no
  // longer shows, but should the branch be reset to that commit, its `synchronize` scan has
  // this one's job id and is folded into it, and the run must then still tell the truth.
  const newerHead = d.pullRequest ? await newerPullHead(octokit, { owner: d.owner, repo: d.repo, pullNumber: d.pullRequest.number, headSha: d.pullRequest.headSha }) : undefined;
  const notes = newerHead ? [...i.notes, supersededNote(newerHead)] : i.notes;
  out.checkRunId = await publishCheckRun(octokit, { owner: d.owner, repo: d.repo, headSha: i.headSha, name: checkNameFor(d.event, d.ref), externalId: i.scanId, findings: result.findings, skipped: result.skipped, commits: result.commits, bytes: result.bytes, truncated: result.truncated, notScanned: result.notScanned, incompleteScan: i.incompleteScan, invalidConfig: i.invalidConfig, notes, policy: i.failing });
  if (newerHead) return { ...out, supersededBy: newerHead };
  if (d.pullRequest) {
    const review = await publishPrReview(octokit, { owner: d.owner, repo: d.repo, pullNumber: d.pullRequest.number, headSha: d.pullRequest.headSha, findings: result.findings, headLines: result.headLines, baseline: await deps.baseline.get(d.owner, d.repo) });
    out.reviewId = review.reviewId;
  }
  return out;
}
