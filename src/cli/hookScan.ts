// The pre-commit hook runs exactly `keywarden scan --staged` on every commit. Loading and
// setting up commander costs 20-50 ms on a slow machine, more than the scan itself, so
// main.ts runs that one argument list directly with the options commander would produce
// (a test checks they are the same). Any other arguments go through commander.
import type { ScanCommandOptions } from './scanCommand.js';

export const HOOK_SCAN_ARGS: readonly string[] = ['scan', '--staged'];

/** What commander gives the scan action for `scan --staged` (its defaults plus staged). */
export const HOOK_SCAN_OPTIONS: Readonly<ScanCommandOptions> = {
  gitignore: true,
  format: 'text',
  redact: true,
  progress: true,
  staged: true,
};

export const HOOK_SCAN_PATH = '.';

export function isHookScan(args: readonly string[]): boolean {
  return args.length === HOOK_SCAN_ARGS.length && args.every((a, i) => a === HOOK_SCAN_ARGS[i]);
}
