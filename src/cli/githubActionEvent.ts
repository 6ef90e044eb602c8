// What the GitHub Action scans, from the event that started the workflow: a push scans the
// pushed commits (before..after), a pull request its own commits (base..head), anything else
// (workflow_dispatch, schedule) the checked-out tree.
import type { PullRequestEvent, PushEvent } from '@octokit/webhooks-types';

export type ScanTarget =
  | { kind: 'range'; args: string[]; what: string }
  | { kind: 'tree'; args: string[]; what: string }
  | { kind: 'nothing'; why: string };

export class ActionError extends Error {
  constructor(readonly code: 'COMMITS_NOT_FETCHED' | 'BAD_EVENT', message: string) {
    super(message);
    this.name = 'ActionError';
  }
}

const ZERO_SHA = /^0+$/;
const FETCH_ALL = 'check out with actions/checkout and fetch-depth: 0, so that the commits to scan are in the clone';

/** `hasCommit(sha)`: whether the checkout holds that commit. */
export function scanTargetFor(eventName: string, payload: unknown, hasCommit: (rev: string) => boolean): ScanTarget {
  if (eventName === 'push') return pushTarget(payload as PushEvent, hasCommit);
  if (eventName === 'pull_request' || eventName === 'pull_request_target') return pullRequestTarget(payload as PullRequestEvent, hasCommit);
  return { kind: 'tree', args: ['.'], what: `the checked-out tree (${eventName} event)` };
}

function pushTarget(push: PushEvent, hasCommit: (rev: string) => boolean): ScanTarget {
  if (push.deleted) return { kind: 'nothing', why: `${push.ref} was deleted` };
  const { before, after } = push;
  if (typeof after !== 'string' || typeof before !== 'string') throw new ActionError('BAD_EVENT', 'the push event has no before/after commits');
  if (!hasCommit(after)) throw new ActionError('COMMITS_NOT_FETCHED', `the pushed commit ${after.slice(0, 12)} is not in the checkout; ${FETCH_ALL}`);
  if (!ZERO_SHA.test(before)) {
    if (!hasCommit(before)) throw new ActionError('COMMITS_NOT_FETCHED', `commit ${before.slice(0, 12)} (before the push) is not in the checkout; ${FETCH_ALL}`);
    return { kind: 'range', args: ['--range', `${before}..${after}`], what: `the pushed commits ${before.slice(0, 7)}..${after.slice(0, 7)}` };
  }
  // A new branch or tag: the payload lists the commits new to the repository.
  const n = push.commits?.length ?? 0;
  if (n === 0) return { kind: 'nothing', why: `${push.ref} was created on commits already in the repository` };
  if (hasCommit(`${after}~${n}`)) return { kind: 'range', args: ['--range', `${after}~${n}..${after}`], what: `the ${n} commits new with ${push.ref}` };
  return { kind: 'range', args: ['--range', after], what: `the whole history of ${push.ref} (a new branch)` };
}

function pullRequestTarget(event: PullRequestEvent, hasCommit: (rev: string) => boolean): ScanTarget {
  const base = event.pull_request?.base?.sha;
  const head = event.pull_request?.head?.sha;
  if (typeof base !== 'string' || typeof head !== 'string') throw new ActionError('BAD_EVENT', 'the pull_request event has no base/head commits');
  for (const sha of [base, head]) {
    if (!hasCommit(sha)) throw new ActionError('COMMITS_NOT_FETCHED', `commit ${sha.slice(0, 12)} of pull request #${event.number} is not in the checkout; ${FETCH_ALL}`);
  }
  return { kind: 'range', args: ['--range', `${base}..${head}`], what: `the commits of pull request #${event.number}` };
}
