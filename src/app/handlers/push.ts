// push → one scan job over what the push adds (before..after). A pushed tag (new or moved,
// lightweight or annotated) is scanned for what it adds over the default branch, as a new
// branch is: a release tag can point at commits no branch has. A deletion adds no code to
// scan and yields no job.
import type { ScanJobData } from '../scanJobData.js';
import { commitAuthorsOf, InvalidPayload, installationIdOf, isTagRef, login, obj, repoOf, sha, str, ZERO_SHA, type Json } from './payload.js';

export interface DeliveryMeta {
  deliveryId?: string;
  receivedAt: number;
}

export type HandlerOutcome = { jobs: ScanJobData[]; ignored?: string } | InvalidPayload;

export function scanJobsForPush(payload: unknown, meta: DeliveryMeta): HandlerOutcome {
  const p = obj(payload);
  if (!p) return new InvalidPayload('payload is not an object');
  if (p.deleted === true) return { jobs: [], ignored: 'branch or tag deleted' };
  const ref = str(p.ref);
  if (!ref) return new InvalidPayload('no ref');
  const tag = isTagRef(ref);
  if (!ref.startsWith('refs/heads/') && !tag) return { jobs: [], ignored: `not a branch or tag (${ref})` };
  const repo = repoOf(p);
  if (repo instanceof InvalidPayload) return repo;
  const installationId = installationIdOf(p);
  if (installationId instanceof InvalidPayload) return installationId;
  // An annotated tag's `after` is the tag object, which a check run cannot be put on; GitHub
  // names the commit the tag points to in head_commit (for every tag push since 2021).
  const after = tag ? (sha(obj(p.head_commit)?.id) ?? sha(p.after)) : sha(p.after);
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
      // An all-zero `before` is a new branch: the worker scans defaultBranch..after (a tag,
      // new or moved, always is: fetchPlan.ts).
      before,
      after,
      ref,
      commitAuthors: commitAuthorsOf(p.commits),
      actorLogin: login(obj(p.sender)?.login) ?? login(obj(p.pusher)?.name),
    }],
  };
}
