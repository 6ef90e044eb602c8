// A pull request's diff as GitHub serves it, from a real git repository the test made: the
// files list (GET /pulls/{n}/files, each with its `patch`), and GitHub's refusal (422) of a
// review comment whose line is not in that diff. GitHub diffs a pull request against the
// merge base of its base and head (three dots), with three lines of context.
import { execFileSync } from 'node:child_process';
import type { HandlerResult } from './githubStandInHandlers.js';

export interface PullFile {
  sha: string;
  filename: string;
  status: 'added' | 'removed' | 'modified';
  additions: number;
  deletions: number;
  changes: number;
  blob_url: string;
  raw_url: string;
  contents_url: string;
  /** Absent for binary files, as on GitHub. */
  patch?: string;
}

const git = (dir: string, ...args: string[]): string => execFileSync('git', ['-c', 'core.quotePath=false', ...args], { cwd: dir, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });

const STATUS: Record<string, PullFile['status']> = { A: 'added', D: 'removed', M: 'modified' };

/** The files of the pull request base...head in the repository at gitDir (a bare repository is fine). */
export function pullFilesFromGit(gitDir: string, owner: string, repo: string, baseSha: string, headSha: string): PullFile[] {
  const range = `${baseSha}...${headSha}`;
  const out: PullFile[] = [];
  for (const row of git(gitDir, 'diff', '--no-renames', '--name-status', range).split('\n').filter(Boolean)) {
    const [code, filename] = row.split('\t');
    const [adds, dels] = git(gitDir, 'diff', '--no-renames', '--numstat', range, '--', filename).split('\t');
    const binary = adds === '-';
    const text = binary ? '' : git(gitDir, 'diff', '--no-renames', '--no-color', '--unified=3', range, '--', filename);
    const sha = git(gitDir, 'rev-parse', `${code === 'D' ? baseSha : headSha}:${filename}`).trim();
    const additions = binary ? 0 : Number(adds);
    const deletions = binary ? 0 : Number(dels);
    out.push({
      sha, filename, status: STATUS[code[0]] ?? 'modified', additions, deletions, changes: additions + deletions,
      blob_url: `https://github.com/${owner}/${repo}/blob/${headSha}/${filename}`,
      raw_url: `https://github.com/${owner}/${repo}/raw/${headSha}/${filename}`,
      contents_url: `https://api.github.com/repos/${owner}/${repo}/contents/${filename}?ref=${headSha}`,
      // GitHub's patch starts at the first hunk header: no diff --git / index / ---/+++ lines.
      ...(binary ? {} : { patch: text.slice(text.indexOf('@@')).replace(/\n$/, '') }),
    });
  }
  return out;
}

/** The head-side line numbers a comment may sit on in one file's patch (added and context lines). */
function headLinesOf(patch: string): Set<number> {
  const lines = new Set<number>();
  let next = 0;
  for (const l of patch.split('\n')) {
    const h = /^@@ -\d+(?:,\d+)? \+(\d+)(?:,\d+)? @@/.exec(l);
    if (h) next = Number(h[1]);
    else if (l.startsWith('+') || l.startsWith(' ')) lines.add(next++);
  }
  return lines;
}

const REVIEW_DOCS = 'https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request';

/** GitHub's 422 for a review it refuses (a comment it cannot place, which it does not name; a body too long). */
export function reviewRefused(error: string): HandlerResult {
  return { status: 422, body: { message: 'Unprocessable Entity', errors: [error], documentation_url: REVIEW_DOCS } };
}

/** GitHub's refusal of a review whose comment on `path` at head `line` (side RIGHT) is not in the diff, or undefined. */
export function reviewCommentRefusal(files: PullFile[], comment: { path: string; line?: number; side?: string }): HandlerResult | undefined {
  const file = files.find((f) => f.filename === comment.path);
  if (!file || file.patch === undefined) return reviewRefused('Pull request review thread line must be part of the diff and Pull request review thread diff hunk can\'t be blank');
  if (comment.line !== undefined && (comment.side ?? 'RIGHT') === 'RIGHT' && !headLinesOf(file.patch).has(comment.line)) return reviewRefused('Line could not be resolved');
  return undefined;
}
