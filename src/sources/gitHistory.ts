// The added lines of every commit in a history, streamed from `git log -p`: one Fragment per
// (commit, file), with new-file line numbers and the commit's author, date and message.
// Memory stays flat: git's output is parsed as it arrives and never held whole.
import type { Fragment } from '../scan/types.js';
import { GitError, gitChunks, PATCH_CONFIG, PATCH_FLAGS } from './gitProcess.js';
import { COMMIT_FORMAT, PatchParser, type BinaryChange } from './patchParser.js';

export interface GitHistoryOptions {
  repoDir: string;
  /** `A..B` (or any revision range git understands). */
  range?: string;
  /** Only commits after this revision: `REV..HEAD`. */
  since?: string;
  /** Every ref, not only HEAD. */
  all?: boolean;
  /** Split one file's added text in a commit into fragments of at most this many characters. */
  maxBytes?: number;
  /** Read at most this many commits (git log --max-count): git never reaches past them. */
  maxCount?: number;
  /** Called after each commit header, with the number of commits seen so far. */
  onCommit?: (commits: number) => void;
  /** Called for binary files a commit adds or changes (they are not scanned). */
  onBinary?: (change: BinaryChange) => void;
}

export async function* gitHistoryFragments(opts: GitHistoryOptions): AsyncGenerator<Fragment> {
  for await (const batch of gitHistoryBatches(opts)) yield* batch;
}

/**
 * The same fragments, in the arrays they are parsed in (one per chunk of git's output): a
 * consumer that loops over them saves an asynchronous step per fragment. git starts on the
 * first read.
 */
export async function* gitHistoryBatches(opts: GitHistoryOptions): AsyncGenerator<Fragment[]> {
  yield* startGitHistory(opts);
}

/**
 * Starts git now and returns its batches: the caller can build its rule set while git
 * works on the other core (git's time is most of a history scan's). The caller must read
 * the batches to the end or return() them, or git waits on a full pipe. Invalid revisions
 * throw here.
 */
export function startGitHistory(opts: GitHistoryOptions): AsyncGenerator<Fragment[]> {
  const revs = revisionArgs(opts);
  // --cc: without it `git log -p` prints no diff for a merge commit, so text that only a
  // merge brings in (a conflict resolved by hand, an "evil" merge) would never be scanned.
  // The combined diff shows only what differs from every parent; the parser keeps the lines
  // new against all of them, so what a merge takes from a parent is not reported twice.
  const args = [...PATCH_CONFIG, 'log', '-p', '--cc', ...PATCH_FLAGS, COMMIT_FORMAT, ...revs, '--'];
  return parseHistory(gitChunks(args, opts.repoDir, { bulk: true }), opts);
}

async function* parseHistory(chunks: AsyncGenerator<Buffer>, opts: GitHistoryOptions): AsyncGenerator<Fragment[]> {
  const parser = new PatchParser({ maxBytes: opts.maxBytes });
  let commits = 0;
  try {
    for await (const chunk of chunks) {
      parser.write(chunk);
      const batch = drain(parser, opts);
      if (batch.length > 0) yield batch;
      if (opts.onCommit && parser.commits !== commits) opts.onCommit((commits = parser.commits));
      // A reader that keeps up gets git's output a few KB at a time, and every read and
      // chunk costs more than parsing its bytes. After a small chunk, let the next pile up.
      if (chunk.length < SMALL_CHUNK) await new Promise((resolve) => setTimeout(resolve, GATHER_MS));
    }
  } catch (err) {
    // A repository without commits has no history: that is an empty scan, not an error.
    if (err instanceof GitError && /does not have any commits|bad default revision 'HEAD'/.test(err.message)) return;
    throw err;
  } finally {
    // Stopped early: the chunks' own finally stops git.
    await chunks.return(undefined);
  }
  parser.end();
  const last = drain(parser, opts);
  if (last.length > 0) yield last;
  if (opts.onCommit && parser.commits !== commits) opts.onCommit(parser.commits);
}

const SMALL_CHUNK = 32 * 1024;
const GATHER_MS = 1;

/** Binary notes go out first, then the finished fragments are handed over. */
function drain(parser: PatchParser, opts: GitHistoryOptions): Fragment[] {
  if (parser.binaries.length > 0) {
    for (const b of parser.binaries.splice(0)) opts.onBinary?.(b);
  }
  return parser.fragments.length > 0 ? parser.fragments.splice(0) : [];
}

function revisionArgs(opts: GitHistoryOptions): string[] {
  const revs: string[] = [];
  if (opts.range && opts.since) throw new GitError('use either a range or --since, not both');
  for (const rev of [opts.range, opts.since]) {
    // Revisions come from users and webhooks: never let one be read as an option.
    if (rev !== undefined && (rev.startsWith('-') || rev.trim() === '' || /\s/.test(rev))) {
      throw new GitError(`invalid revision "${rev}": expected a commit, ref or A..B range`);
    }
  }
  if (opts.maxCount !== undefined) revs.push(`--max-count=${Math.max(1, Math.floor(opts.maxCount))}`);
  if (opts.all) revs.push('--all');
  if (opts.range) revs.push(opts.range);
  if (opts.since) revs.push(`${opts.since}..HEAD`);
  return revs;
}
