// How many commits a revision range holds, so a scan cut by its commit cap can say how many
// it left out. `git rev-list --count` reads commit objects only, which a partial clone has.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function countCommits(repoDir: string, range: string): Promise<number> {
  const { stdout } = await run('git', ['rev-list', '--count', range, '--'], { cwd: repoDir });
  return Number(stdout.trim());
}
