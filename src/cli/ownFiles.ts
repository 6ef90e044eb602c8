// The files a scan reads itself: .keywardenignore and the --baseline report. Their lines are
// fingerprints and secret hashes, which catch-all rules take for secrets, so they are never
// scanned. Returned as the paths a source gives them: relative to the scanned directory, or
// to the repository root for staged and history scans.
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { IGNORE_FILE } from '../config/ignoreFile.js';
import type { ScanPlan } from './scanPlan.js';

export function ownFilePaths(plan: ScanPlan, repoRoot: string): string[] {
  if (plan.mode === 'stdin') return [];
  const own = [join(repoRoot, IGNORE_FILE), ...(plan.baseline !== undefined ? [resolve(plan.baseline)] : [])];
  if (plan.mode !== 'directory') return own.map((f) => inside(repoRoot, f)).filter((p): p is string => p !== undefined);
  const target = resolve(plan.target);
  // A single file is reported under the name the user gave.
  if (target !== plan.dir) return own.includes(target) ? [plan.target.split(sep).join('/')] : [];
  return own.map((f) => inside(target, f)).filter((p): p is string => p !== undefined);
}

function inside(base: string, file: string): string | undefined {
  const rel = relative(base, file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}
