// What GitHub already holds of a scan's check run. A scan job can run more than once (BullMQ
// retries it when a later step fails; a write can fail after GitHub acted), and every run
// must end with the one check run it would have made alone. The run is found by its
// external_id (the scan's identity), and its annotations are compared with ours, because
// an update appends annotations: resending one would show it twice.
import type { InstallationOctokit } from '../../github/client.js';

export interface ExistingCheckRun {
  id: number;
  annotationsCount: number;
  status: string;
}

export interface CheckRunRef {
  owner: string;
  repo: string;
  headSha: string;
  name: string;
  externalId: string;
}

// Reads go through the client's retry hook as usual (repeating a read is harmless; and
// paginate() would drop a `request` option anyway); only writes are sent once per try.
export async function findCheckRun(octokit: InstallationOctokit, ref: CheckRunRef): Promise<ExistingCheckRun | undefined> {
  // filter=all: the default (`latest`) shows only the newest run of each name, which may be
  // another scan's (a push and a pull request scan of the same commit each have their own).
  const runs = await octokit.paginate(octokit.rest.checks.listForRef, {
    owner: ref.owner,
    repo: ref.repo,
    ref: ref.headSha,
    check_name: ref.name,
    filter: 'all',
    per_page: 100,
  });
  const mine = runs.filter((r) => r.external_id === ref.externalId).sort((a, b) => b.id - a.id);
  return mine[0] && { id: mine[0].id, annotationsCount: mine[0].output.annotations_count ?? 0, status: mine[0].status };
}

interface AnnotationLike {
  path: string;
  start_line: number;
  start_column?: number | null;
  message: string | null;
}

// The message names the finding's fingerprint, so path, position and message tell findings apart.
const annotationKey = (a: AnnotationLike): string => `${a.path}\u0000${a.start_line}\u0000${a.start_column ?? ''}\u0000${a.message ?? ''}`;

/** The annotations in `wanted` that the run does not have yet, in their original order. */
export async function unsentAnnotations<A extends AnnotationLike>(octokit: InstallationOctokit, ref: CheckRunRef, run: ExistingCheckRun, wanted: A[]): Promise<A[]> {
  if (run.annotationsCount === 0) return wanted;
  const sent = await octokit.paginate(octokit.rest.checks.listAnnotations, { owner: ref.owner, repo: ref.repo, check_run_id: run.id, per_page: 100 });
  const have = new Map<string, number>();
  for (const a of sent) have.set(annotationKey(a), (have.get(annotationKey(a)) ?? 0) + 1);
  return wanted.filter((a) => {
    const n = have.get(annotationKey(a)) ?? 0;
    if (n === 0) return true;
    have.set(annotationKey(a), n - 1);
    return false;
  });
}
