// How many commits a revision range holds, so a scan cut by its commit cap can say how many
// it left out. `git rev-list --count` reads commit objects only, which a partial clone has.
// A scan's clone is shallow (fetchCommits.ts): when the range runs into the shallow boundary,
// the commits beyond it were never fetched, and the count is a lower bound.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface CommitCount {
  count: number;
  /** The range meets the clone's shallow boundary: it holds at least `count` commits. */
  atLeast: boolean;
}

export async function countCommits(repoDir: string, range: string): Promise<CommitCount> {
  const { stdout } = await run('git', ['rev-list', range, '--'], { cwd: repoDir, maxBuffer: 64 * 1024 * 1024 });
  const commits = stdout.split('\n').filter(Boolean);
  const shallow = await readFile(join(repoDir, 'shallow'), 'utf8').catch(() => '');
  const boundary = new Set(shallow.split('\n').filter(Boolean));
  const cut = commits.filter((c) => boundary.has(c));
  return { count: commits.length, atLeast: cut.length > 0 && (await parentsMissing(repoDir, cut)) };
}

/**
 * Whether a parent of these boundary commits was never fetched. A commit can be a boundary only
 * because the depth ran out at it while its parent was fetched for itself (the range's base): then
 * nothing of the range is missing.
 */
async function parentsMissing(repoDir: string, cut: string[]): Promise<boolean> {
  const parents: string[] = [];
  for (const c of cut) {
    const { stdout } = await run('git', ['cat-file', 'commit', c], { cwd: repoDir });
    for (const line of stdout.slice(0, stdout.indexOf('\n\n')).split('\n')) if (line.startsWith('parent ')) parents.push(line.slice(7));
  }
  if (parents.length === 0) return false;
  const child = execFile('git', ['cat-file', '--batch-check'], { cwd: repoDir });
  child.stdin?.end(parents.join('\n') + '\n');
  let out = '';
  child.stdout?.on('data', (d: Buffer | string) => (out += String(d)));
  await new Promise((resolve, reject) => child.on('close', resolve).on('error', reject));
  return out.split('\n').some((l) => l.endsWith(' missing'));
}
