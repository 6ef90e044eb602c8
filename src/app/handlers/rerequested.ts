// check_run.rerequested / check_suite.rerequested: someone pressed "Re-run" on a keywarden
// check. GitHub expects a fresh run, so each job carries the delivery that asked (`rerun`),
// which gives it an identity (job id, check run external_id) of its own: it is not folded
// into the finished scan, and its run becomes the latest of its name.
//   check_run:   the run's own scan again when its job is still known (index.ts looks it up
//                by the run's external_id); else from the payload: a `keywarden / pull request`
//                run → the pull request's base..head, a `keywarden` run → the suite's push
//                (check_suite.before..head), or without one what the branch adds over the
//                default branch (on the default branch: its history, capped); a
//                `keywarden / tag` run → the tag (the suite's head_branch) over the default branch.
//   check_suite: a pull request scan for each pull request of the suite, and the branch scan.
import { CHECK_NAME, PR_CHECK_NAME, TAG_CHECK_NAME } from '../publish/checkRun.js';
import type { ScanJobData } from '../scanJobData.js';
import { InvalidPayload, installationIdOf, int, obj, repoOf, sha, str, ZERO_SHA, type Json } from './payload.js';
import type { DeliveryMeta, HandlerOutcome } from './push.js';

interface Suite {
  headSha: string;
  headBranch?: string;
  /** The suite's push range start (check_suite.before), when GitHub names one. */
  before?: string;
  pulls: Array<{ number: number; baseSha: string }>;
}

function pullsOf(v: unknown): Suite['pulls'] {
  if (!Array.isArray(v)) return [];
  return v.flatMap((p) => {
    const number = int(obj(p)?.number);
    const baseSha = sha(obj(obj(p)?.base)?.sha);
    return number && baseSha ? [{ number, baseSha }] : [];
  });
}

function pushBefore(suite: Json | undefined, headSha: string): string | undefined {
  const before = sha(suite?.before);
  return before && sha(suite?.after) === headSha ? before : undefined;
}

function jobsFor(p: Json, meta: DeliveryMeta, suite: Suite, which: { push: boolean; pulls: boolean; tag?: boolean }): HandlerOutcome {
  const repo = repoOf(p);
  if (repo instanceof InvalidPayload) return repo;
  const installationId = installationIdOf(p);
  if (installationId instanceof InvalidPayload) return installationId;
  const base = { receivedAt: meta.receivedAt, deliveryId: meta.deliveryId, rerun: meta.deliveryId ?? String(meta.receivedAt), installationId, ...repo, after: suite.headSha };
  const jobs: ScanJobData[] = [];
  if (which.pulls) {
    for (const pr of suite.pulls) {
      jobs.push({ ...base, event: 'pull_request', before: pr.baseSha, ref: suite.headBranch, pullRequest: { number: pr.number, baseSha: pr.baseSha, headSha: suite.headSha } });
    }
  }
  if (which.push && suite.headBranch) jobs.push({ ...base, event: 'push', before: suite.before ?? ZERO_SHA, ref: `refs/${which.tag ? 'tags' : 'heads'}/${suite.headBranch}` });
  return jobs.length > 0 ? { jobs } : { jobs, ignored: 'nothing to re-run (no branch or pull request named)' };
}

export function scanJobsForCheckRunRerequest(payload: unknown, meta: DeliveryMeta): HandlerOutcome {
  const p = obj(payload);
  if (!p) return new InvalidPayload('payload is not an object');
  const run = obj(p.check_run);
  const headSha = sha(run?.head_sha);
  if (!run || !headSha) return new InvalidPayload('check_run.head_sha missing');
  const name = str(run.name);
  if (name !== CHECK_NAME && name !== PR_CHECK_NAME && name !== TAG_CHECK_NAME) return { jobs: [], ignored: `check run "${name ?? ''}" is not keywarden's` };
  const cs = obj(run.check_suite);
  const suite: Suite = { headSha, headBranch: str(cs?.head_branch), before: pushBefore(cs, headSha), pulls: pullsOf(run.pull_requests) };
  // A pull request run with no pull request left to name (closed) falls back to the branch.
  const asPull = name === PR_CHECK_NAME && suite.pulls.length > 0;
  // A tag run whose job is gone: the suite's head_branch is taken as the tag's name (GitHub
  // names a tag's suite by the tag, as it does its workflow runs); without one, nothing.
  return jobsFor(p, meta, { ...suite, pulls: suite.pulls.slice(0, 1) }, { push: !asPull, pulls: asPull, tag: name === TAG_CHECK_NAME });
}

export function scanJobsForCheckSuiteRerequest(payload: unknown, meta: DeliveryMeta): HandlerOutcome {
  const p = obj(payload);
  if (!p) return new InvalidPayload('payload is not an object');
  const s = obj(p.check_suite);
  const headSha = sha(s?.head_sha);
  if (!s || !headSha) return new InvalidPayload('check_suite.head_sha missing');
  return jobsFor(p, meta, { headSha, headBranch: str(s.head_branch), before: pushBefore(s, headSha), pulls: pullsOf(s.pull_requests) }, { push: true, pulls: true });
}

/** The external_id of the run to re-run (the scan's job id), when the payload names one. */
export function rerunOfCheckRun(payload: unknown): string | undefined {
  return str(obj(obj(payload)?.check_run)?.external_id) || undefined;
}
