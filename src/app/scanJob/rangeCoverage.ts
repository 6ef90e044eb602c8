// Questions a scan's fetch asks of its own shallow, partial clone (local git only, no network):
// does it hold the whole range the scan will read, and which blobs does that range's patch need?
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runGitStep, type GitStepLimits } from './gitFetchProcess.js';

export interface LocalGit {
  dir: string;
  env: NodeJS.ProcessEnv;
  limits: GitStepLimits;
}

/** The revisions a range names: `A..B` → [A, B]; a single revision → [it]. */
export function rangeEnds(range: string): string[] {
  const i = range.indexOf('..');
  return i < 0 ? [range] : [range.slice(0, i), range.slice(i + 2)];
}

async function hasCommit(g: LocalGit, rev: string): Promise<boolean> {
  try {
    await runGitStep(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`], g.dir, g.env, g.limits);
    return true;
  } catch {
    return false;
  }
}

/** The range's ends the clone does not hold. */
export async function missingEnds(g: LocalGit, range: string): Promise<string[]> {
  const missing: string[] = [];
  for (const rev of rangeEnds(range)) if (!(await hasCommit(g, rev))) missing.push(rev);
  return missing;
}

async function shallowCommits(dir: string): Promise<Set<string>> {
  try {
    return new Set((await readFile(join(dir, 'shallow'), 'utf8')).split('\n').filter(Boolean));
  } catch {
    return new Set();
  }
}

/**
 * Whether the clone must go deeper before the scan can read `range`: one of its ends is not
 * here yet, or one of the commits the scan will read (the newest `commits`, in git log's
 * order) is a shallow boundary. A boundary commit has no parents here, so its patch would be
 * its whole tree added (every file of the repository reported as new), and for `A..B` the
 * commits below a boundary could not be told apart from A's own history.
 */
export async function needsDeeper(g: LocalGit, range: string, commits: number): Promise<boolean> {
  if ((await missingEnds(g, range)).length > 0) return true;
  const shallow = await shallowCommits(g.dir);
  if (shallow.size === 0) return false;
  const listed = await runGitStep(['rev-list', `--max-count=${commits}`, range, '--'], g.dir, g.env, g.limits);
  return listed.split('\n').some((c) => shallow.has(c));
}

const OID = /^[0-9a-f]{40}$/;
const NO_BLOB = /^0{40}$/;
const SUBMODULE = '160000';

/**
 * Every blob the scan's `git log -p` over the range reads: the old and new version of each
 * file a commit changes (deleted and added files too: rename detection compares them), and for
 * merges every parent's version (`-c`, a superset of what `--cc` reads). Listed from trees
 * alone (`--raw --no-renames` opens no blob), so a blob-less clone can answer.
 */
export async function blobsForRange(g: LocalGit, range: string, commits: number): Promise<string[]> {
  const raw = await runGitStep(['log', '--raw', '-c', '--no-renames', '--no-abbrev', '--format=', `--max-count=${commits}`, range, '--'], g.dir, g.env, g.limits);
  const blobs = new Set<string>();
  for (const line of raw.split('\n')) {
    if (!line.startsWith(':')) continue;
    // ":100644 100644 <old> <new> M\tpath", or for merges "::100644 100644 100644 <p1> <p2> <new> MM\tpath":
    // modes first, then the object ids in the same order. A submodule (mode 160000) names a
    // commit of another repository, not a blob of this one.
    const words = line.slice(0, line.indexOf('\t')).replace(/^:+/, '').split(' ');
    const ids = words.filter((w) => OID.test(w));
    ids.forEach((id, k) => {
      if (!NO_BLOB.test(id) && words[k] !== SUBMODULE) blobs.add(id);
    });
  }
  return [...blobs];
}

/** Those of `ids` the clone lacks (a server that ignores --filter has sent them all already). */
export async function missingObjects(g: LocalGit, ids: string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const out = await runGitStep(['cat-file', '--batch-check'], g.dir, g.env, g.limits, ids.join('\n') + '\n');
  return out.split('\n').filter((l) => l.endsWith(' missing')).map((l) => l.slice(0, l.indexOf(' ')));
}
