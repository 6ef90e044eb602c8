// Which lines of a pull request GitHub lets a review comment sit on. A comment with `line` and
// `side: RIGHT` must fall inside a hunk of the PR's diff, on its head side; one that does not
// makes GitHub refuse the whole review (422 "Line could not be resolved", or "…line must be
// part of the diff"), without saying which comment. The PR's files (GET /pulls/{n}/files)
// carry each file's `patch`, whose hunk headers say which head lines are in the diff.
import type { InstallationOctokit } from '../../github/client.js';
import type { PullRef } from './existingReviews.js';

/**
 * `yes`: in a hunk; `no`: outside every hunk of its file, GitHub will refuse it; `unknown`:
 * GitHub gave no patch to tell (a large or binary file), or did not list the file (it lists
 * at most 3,000; a leak still in the head of a file the PR does not change is rare enough to try).
 */
export type Placement = 'yes' | 'no' | 'unknown';

const HUNK_HEADER = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,(\d+))? @@/gm;

/** The head-side line ranges [first, last] of a unified diff's hunks. */
export function headRanges(patch: string): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const m of patch.matchAll(HUNK_HEADER)) {
    const start = Number(m[1]);
    const count = m[2] === undefined ? 1 : Number(m[2]);
    if (count > 0) out.push([start, start + count - 1]);
  }
  return out;
}

export interface DiffLines {
  placement(path: string, line: number): Placement;
}

export async function readDiffLines(octokit: InstallationOctokit, ref: PullRef): Promise<DiffLines> {
  const files = await octokit.paginate(octokit.rest.pulls.listFiles, { owner: ref.owner, repo: ref.repo, pull_number: ref.pullNumber, per_page: 100 });
  const ranges = new Map<string, Array<[number, number]> | undefined>();
  for (const f of files) ranges.set(f.filename, typeof f.patch === 'string' ? headRanges(f.patch) : undefined);
  return {
    placement(path, line) {
      const r = ranges.get(path);
      if (r === undefined) return 'unknown';
      return r.some(([a, b]) => line >= a && line <= b) ? 'yes' : 'no';
    },
  };
}
