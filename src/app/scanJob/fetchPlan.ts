// What a scan job fetches and which commits it scans: only what the event adds.
//   push:         before..after
//   new branch:   origin/<default>..after (what the branch adds over the default branch),
//                 never the whole history; the default branch's own first push is the one
//                 exception (there is nothing to compare to), capped like a baseline
//   tag:          origin/<default>..<tagged commit>, new or moved: a tag's earlier target is
//                 no base its new one grew from (tags jump between branches), and what the
//                 default branch holds was scanned by its own pushes
//   pull request: base..head
//   installation: the default branch's history, capped
import type { ScanJobData } from '../scanJobData.js';
import { isTagRef, ZERO_SHA } from '../handlers/payload.js';

export interface FetchPlan {
  wants: string[];
  range: string;
  headSha?: string;
  maxCommits: number;
}

export interface PlanLimits {
  maxCommits: number;
  maxBaselineCommits: number;
}

export function planFetch(job: ScanJobData, defaultBranch: string, limits: PlanLimits): FetchPlan {
  const defaultRef = `refs/heads/${defaultBranch}`;
  if (job.event === 'installation') {
    return { wants: [defaultRef], range: `origin/${defaultBranch}`, maxCommits: limits.maxBaselineCommits };
  }
  if (job.event === 'pull_request' && job.pullRequest) {
    const { baseSha, headSha, number, fromFork } = job.pullRequest;
    // A fork's commits are on none of the base repository's branches: GitHub serves them at
    // the pull request's own ref.
    const head = fromFork ? `refs/pull/${number}/head` : headSha;
    return { wants: [baseSha, head], range: `${baseSha}..${headSha}`, headSha, maxCommits: limits.maxCommits };
  }
  if (job.before === undefined || job.before === ZERO_SHA || isTagRef(job.ref)) {
    if (job.ref === defaultRef) return { wants: [job.after], range: job.after, headSha: job.after, maxCommits: limits.maxBaselineCommits };
    return { wants: [job.after, defaultRef], range: `origin/${defaultBranch}..${job.after}`, headSha: job.after, maxCommits: limits.maxCommits };
  }
  return { wants: [job.before, job.after], range: `${job.before}..${job.after}`, headSha: job.after, maxCommits: limits.maxCommits };
}
