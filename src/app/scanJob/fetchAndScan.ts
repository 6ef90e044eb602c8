// Steps 1-3 of a scan job: plan what to fetch, fetch only those commits, scan them in the
// scan thread. The clone is always removed, whatever happens.
import type { Logger } from 'pino';
import type { ScanJobData } from '../scanJobData.js';
import { ZERO_SHA } from '../handlers/payload.js';
import { planFetch, type FetchPlan, type PlanLimits } from './fetchPlan.js';
import { fetchCommits, FetchError, type FetchedRepo } from './fetchCommits.js';
import { scanInThread } from './scanInThread.js';
import type { ScanCommitsInput, ScanCommitsResult } from './scanCommits.js';

export interface FetchAndScanInput {
  job: ScanJobData;
  defaultBranch: string;
  cloneUrl: string;
  /** Installation token, for git over HTTPS only. */
  token: string;
  config: ScanCommitsInput['config'];
  limits: PlanLimits & { maxBytes: number };
  allowLocalClone?: boolean;
  /** GitHub's web root when it is http (GHE_PROTOCOL=http): http clone URLs there are allowed. */
  httpOrigin?: string;
  log: Logger;
}

export interface ScannedCommits {
  /** The plan that was scanned (after a force-push fallback, the fallback's). */
  plan: FetchPlan;
  result: ScanCommitsResult;
}

async function fetchPlanned(i: FetchAndScanInput): Promise<{ plan: FetchPlan; clone: FetchedRepo }> {
  const job = { ...i.job, defaultBranch: i.defaultBranch };
  const plan = planFetch(job, i.defaultBranch, i.limits);
  const fetch = (p: FetchPlan) =>
    fetchCommits({ cloneUrl: i.cloneUrl, token: i.token, wants: p.wants, range: p.range, maxCommits: p.maxCommits, allowLocal: i.allowLocalClone, httpOrigin: i.httpOrigin });
  try {
    return { plan, clone: await fetch(plan) };
  } catch (err) {
    // A force push names a `before` the server no longer has: scan what the branch adds over
    // the default branch instead, as for a new branch (a fetch as bounded as the first). A
    // fetch that ran out of time is not retried here: the job's own retry does that.
    if (!(err instanceof FetchError) || err.timedOut || job.event !== 'push' || !job.before || job.before === ZERO_SHA) throw err;
    i.log.warn({ before: job.before }, 'push base not fetchable (force push?); scanning the branch against the default branch');
    const fallback = planFetch({ ...job, before: ZERO_SHA }, i.defaultBranch, i.limits);
    return { plan: fallback, clone: await fetch(fallback) };
  }
}

export async function fetchAndScan(i: FetchAndScanInput): Promise<ScannedCommits> {
  const { plan, clone } = await fetchPlanned(i);
  try {
    const result = await scanInThread({ repoDir: clone.dir, range: plan.range, config: i.config, maxCommits: plan.maxCommits, maxBytes: i.limits.maxBytes, headSha: i.job.pullRequest ? plan.headSha : undefined });
    return { plan, result };
  } finally {
    await clone.cleanup();
  }
}
