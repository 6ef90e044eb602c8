// push → one scan job over what the push adds (before..after). A branch deletion or a tag
// adds no code to scan and yields no job.
import type { ScanJobData } from '../scanJobData.js';
import { commitAuthorsOf, InvalidPayload, installationIdOf, login, obj, repoOf, sha, str, ZERO_SHA, type Json } from './payload.js';

export interface DeliveryMeta {
  deliveryId?: string;
  receivedAt: number;
}

export type HandlerOutcome = { jobs: ScanJobData[]; ignored?: string } | InvalidPayload;

export function scanJobsForPush(payload: unknown, meta: DeliveryMeta): HandlerOutcome {
  const p = obj(payload);
  if (!p) return new InvalidPayload('payload is not an object');
  if (p.deleted === true) return { jobs: [], ignored: 'branch deleted' };
  const ref = str(p.ref);
  if (!ref) return new InvalidPayload('no ref');
  if (!ref.startsWith('refs/heads/')) return { jobs: [], ignored: `not a branch (${ref})` };
  const repo = repoOf(p);
  if (repo instanceof InvalidPayload) return repo;
  const installationId = installationIdOf(p);
  if (installationId instanceof InvalidPayload) return installationId;
  const after = sha(p.after);
  const before = sha(p.before);
  if (!after || after === ZERO_SHA) return new InvalidPayload('after is not a commit sha');
  if (!before) return new InvalidPayload('before is not a commit sha');
  return {
    jobs: [{
      receivedAt: meta.receivedAt,
      deliveryId: meta.deliveryId,
      installationId,
      ...repo,
      event: 'push',
      // An all-zero `before` is a new branch: the worker scans defaultBranch..after.
      before,
      after,
      ref,
      commitAuthors: commitAuthorsOf(p.commits),
      actorLogin: login(obj(p.sender)?.login) ?? login(obj(p.pusher)?.name),
    }],
  };
}
