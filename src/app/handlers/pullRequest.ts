// pull_request opened / synchronize / reopened → one scan job over the PR's commits
// (base..head). Other actions (labels, reviews, closing) change no code and are ignored.
import { InvalidPayload, installationIdOf, int, login, obj, repoOf, sha, str } from './payload.js';
import type { DeliveryMeta, HandlerOutcome } from './push.js';

export const SCANNED_PR_ACTIONS = ['opened', 'synchronize', 'reopened'] as const;

export function scanJobsForPullRequest(payload: unknown, meta: DeliveryMeta): HandlerOutcome {
  const p = obj(payload);
  if (!p) return new InvalidPayload('payload is not an object');
  const action = str(p.action);
  if (!action || !(SCANNED_PR_ACTIONS as readonly string[]).includes(action)) return { jobs: [], ignored: `action ${action ?? '(none)'}` };
  const pr = obj(p.pull_request);
  const number = int(pr?.number) ?? int(p.number);
  const baseSha = sha(obj(pr?.base)?.sha);
  const headSha = sha(obj(pr?.head)?.sha);
  if (!pr || !number) return new InvalidPayload('no pull request number');
  if (!baseSha || !headSha) return new InvalidPayload('pull request base or head sha missing');
  const repo = repoOf(p);
  if (repo instanceof InvalidPayload) return repo;
  const installationId = installationIdOf(p);
  if (installationId instanceof InvalidPayload) return installationId;
  return {
    jobs: [{
      receivedAt: meta.receivedAt,
      deliveryId: meta.deliveryId,
      installationId,
      ...repo,
      event: 'pull_request',
      before: baseSha,
      after: headSha,
      ref: str(obj(pr.head)?.ref),
      pullRequest: { number, baseSha, headSha, htmlUrl: str(pr.html_url), ...(fromFork(pr) ? { fromFork: true } : {}) },
      actorLogin: login(obj(pr.user)?.login),
    }],
  };
}

/** The head's repository is not the base's (a fork, or a fork since deleted: head.repo null). */
function fromFork(pr: Record<string, unknown>): boolean {
  const headRepo = obj(obj(pr.head)?.repo);
  const baseRepo = obj(obj(pr.base)?.repo);
  return !headRepo || int(headRepo.id) !== int(baseRepo?.id);
}
