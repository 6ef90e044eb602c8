// Worker threads load compiled code from dist/ (npm test builds it first, via pretest). When a
// single test file runs on its own (npx vitest run test/app), build if the thread entry is missing.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export function ensureBuilt(entry = 'dist/app/scanJob/scanThread.js'): void {
  const root = new URL('../..', import.meta.url);
  if (!existsSync(new URL(entry, root))) execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'ignore' });
}
