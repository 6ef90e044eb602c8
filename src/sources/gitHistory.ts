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
  /** Called after each commit header, with the number of commits seen so far. */
  onCommit?: (commits: number) => void;
  /** Called for binary files a commit adds or changes (they are not scanned). */
  onBinary?: (change: BinaryChange) => void;
}

export async function* gitHistoryFragments(opts: GitHistoryOptions): AsyncGenerator<Fragment> {
  const revs = revisionArgs(opts);
  const args = [...PATCH_CONFIG, 'log', '-p', ...PATCH_FLAGS, COMMIT_FORMAT, ...revs, '--'];
  const parser = new PatchParser({ maxBytes: opts.maxBytes });
  let commits = 0;
  try {
    for await (const chunk of gitChunks(args, opts.repoDir)) {
      parser.write(chunk);
      yield* drain(parser, opts);
      if (opts.onCommit && parser.commits !== commits) opts.onCommit((commits = parser.commits));
    }
  } catch (err) {
    // A repository without commits has no history: that is an empty scan, not an error.
    if (err instanceof GitError && /does not have any commits|bad default revision 'HEAD'/.test(err.message)) return;
    throw err;
  }
  parser.end();
  yield* drain(parser, opts);
  if (opts.onCommit && parser.commits !== commits) opts.onCommit(parser.commits);
}

function* drain(parser: PatchParser, opts: GitHistoryOptions): Generator<Fragment> {
  if (parser.binaries.length > 0) {
    for (const b of parser.binaries.splice(0)) opts.onBinary?.(b);
  }
  if (parser.fragments.length > 0) yield* parser.fragments.splice(0);
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
  if (opts.all) revs.push('--all');
  if (opts.range) revs.push(opts.range);
  if (opts.since) revs.push(`${opts.since}..HEAD`);
  return revs;
}
