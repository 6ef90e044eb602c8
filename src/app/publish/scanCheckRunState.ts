// The check run's life around the scan itself: opened `in_progress` as soon as the job
// starts, so a required check shows the scan is running, and closed as `failure` (or
// `timed_out`) with the reason when the job fails for good, so it never waits forever.
// Both find the scan's own run by name and external_id (existingCheckRun.ts), as the final
// report does: one run per scan, whichever of them writes first.
import type { InstallationOctokit } from '../../github/client.js';
import { findCheckRun, type CheckRunRef } from './existingCheckRun.js';
import { ONE_TRY } from '../../github/oneTry.js';

// Writes go once (ONE_TRY) after a look, as in checkRun.ts: a create whose answer was lost is
// found by the job's next attempt instead of being sent twice.

/** Opens the scan's run as in_progress, unless a run of this scan exists already (a retry). */
export async function startCheckRun(octokit: InstallationOctokit, ref: CheckRunRef): Promise<number> {
  const existing = await findCheckRun(octokit, ref);
  if (existing) return existing.id;
  const { data } = await octokit.rest.checks.create({
    owner: ref.owner,
    repo: ref.repo,
    name: ref.name,
    head_sha: ref.headSha,
    external_id: ref.externalId,
    status: 'in_progress',
    started_at: new Date().toISOString(),
    output: { title: 'Scanning…', summary: 'keywarden is scanning the commits this event added.' },
    request: ONE_TRY,
  });
  return data.id;
}

/** A failure that is git or GitHub taking too long, rather than an error. */
export function isTimeout(err: Error): boolean {
  return err.name === 'TimeoutError' || /\btimed? ?out\b|timeout reached|ETIMEDOUT/i.test(err.message);
}

/** Closes the scan's run after the job failed for good, unless it holds a result; returns its id. */
export async function closeFailedCheckRun(octokit: InstallationOctokit, ref: CheckRunRef, err: Error, attempts: number): Promise<number> {
  const conclusion = isTimeout(err) ? ('timed_out' as const) : ('failure' as const);
  // Error messages here are keywarden's own or git's first lines: no token travels in them.
  const reason = err.message.replace(/\s+/g, ' ').slice(0, 500);
  const output = {
    title: conclusion === 'timed_out' ? 'Scan timed out' : 'Scan failed',
    summary: [`The scan could not finish after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${reason}`, '', 'Nothing was checked for this commit. Use "Re-run" on this check once the cause is fixed.'].join('\n'),
  };
  const completed = { status: 'completed' as const, conclusion, completed_at: new Date().toISOString(), output };
  const existing = await findCheckRun(octokit, ref);
  // A run the scan already completed holds the scan's real result (a later step failed): keep it.
  if (existing?.status === 'completed') return existing.id;
  if (existing) {
    await octokit.rest.checks.update({ owner: ref.owner, repo: ref.repo, check_run_id: existing.id, ...completed, request: ONE_TRY });
    return existing.id;
  }
  const { data } = await octokit.rest.checks.create({ owner: ref.owner, repo: ref.repo, name: ref.name, head_sha: ref.headSha, external_id: ref.externalId, ...completed, request: ONE_TRY });
  return data.id;
}
