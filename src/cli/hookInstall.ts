// Installs and removes the git pre-commit hook that runs `keywarden scan --staged`.
// The hook calls this installation's node and bin/keywarden.js by absolute path (no PATH
// or npx lookup on every commit), so it works wherever keywarden was installed from (a
// project's node_modules, a global prefix, npx) without keywarden on PATH. If they have
// moved, it tries the repository's node_modules/.bin, then PATH, and otherwise stops the
// commit saying how to fix it. A foreign hook is never overwritten silently: --force replaces it (keeping a
// backup), --chain keeps it and runs it first.
import { chmod, readFile, rename, rm, writeFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gitOutput } from '../sources/gitProcess.js';

export const HOOK_MARKER = '# keywarden-hook v1';
export const CHAINED_SUFFIX = '.keywarden-chained';
export const BACKUP_SUFFIX = '.keywarden-backup';

export class HookError extends Error {
  constructor(readonly code: 'HOOK_EXISTS' | 'HOOK_NOT_OURS' | 'NOT_A_REPO', message: string) {
    super(message);
    this.name = 'HookError';
  }
}

export interface InstallOptions {
  repoDir: string;
  force?: boolean;
  chain?: boolean;
  /** For tests: the node binary and CLI script the hook should run. */
  node?: string;
  bin?: string;
}

export interface HookResult {
  hookPath: string;
  /** install only: the node binary and CLI script the hook runs. */
  runs?: { node: string; bin: string };
  action: 'installed' | 'updated' | 'replaced' | 'chained' | 'removed' | 'restored' | 'absent';
}

/** Where git looks for hooks, honouring core.hooksPath. */
export async function hooksDir(repoDir: string): Promise<string> {
  let out: string;
  try {
    out = await gitOutput(['rev-parse', '--git-path', 'hooks'], repoDir);
  } catch {
    throw new HookError('NOT_A_REPO', `${repoDir} is not inside a git repository; run this in your repository (git init first)`);
  }
  return resolve(repoDir, out.trim());
}

export async function installHook(opts: InstallOptions): Promise<HookResult> {
  const dir = await hooksDir(opts.repoDir);
  await mkdir(dir, { recursive: true });
  const hookPath = join(dir, 'pre-commit');
  const chainedPath = hookPath + CHAINED_SUFFIX;
  const existing = await readIfExists(hookPath);
  let action: HookResult['action'] = 'installed';
  let chained = existsSync(chainedPath);
  if (existing !== undefined && !existing.includes(HOOK_MARKER)) {
    if (opts.chain) {
      if (chained) throw new HookError('HOOK_EXISTS', `${chainedPath} already exists; move it away, then run keywarden hook install --chain again`);
      await rename(hookPath, chainedPath);
      chained = true;
      action = 'chained';
    } else if (opts.force) {
      await rename(hookPath, hookPath + BACKUP_SUFFIX);
      action = 'replaced';
    } else {
      throw new HookError(
        'HOOK_EXISTS',
        `${hookPath} exists and is not keywarden's; rerun with --chain to keep it and run it first, or --force to replace it (a backup is kept)`,
      );
    }
  } else if (existing !== undefined) {
    action = 'updated';
  }
  const node = opts.node ?? process.execPath;
  const bin = opts.bin ?? fileURLToPath(new URL('../../bin/keywarden.js', import.meta.url));
  await writeFile(hookPath, hookScript(node, bin, chained));
  await chmod(hookPath, 0o755);
  return { hookPath, action, runs: { node, bin } };
}

export async function uninstallHook(repoDir: string): Promise<HookResult> {
  const dir = await hooksDir(repoDir);
  const hookPath = join(dir, 'pre-commit');
  const existing = await readIfExists(hookPath);
  if (existing === undefined) return { hookPath, action: 'absent' };
  if (!existing.includes(HOOK_MARKER)) {
    throw new HookError('HOOK_NOT_OURS', `${hookPath} is not keywarden's hook; leaving it alone`);
  }
  const chainedPath = hookPath + CHAINED_SUFFIX;
  if (existsSync(chainedPath)) {
    await rename(chainedPath, hookPath);
    return { hookPath, action: 'restored' };
  }
  await rm(hookPath);
  return { hookPath, action: 'removed' };
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function hookScript(node: string, bin: string, chained: boolean): string {
  const lines = [
    '#!/bin/sh',
    HOOK_MARKER,
    '# Installed by `keywarden hook install`; remove with `keywarden hook uninstall`.',
    '# Blocks commits that add leaked keys. Bypass once (at your own risk): git commit --no-verify',
  ];
  if (chained) {
    lines.push(
      '# The hook that was here before keywarden runs first; a failure stops the commit.',
      `chained="$(dirname "$0")/pre-commit${CHAINED_SUFFIX}"`,
      'if [ -x "$chained" ]; then "$chained" "$@" || exit $?; fi',
    );
  }
  lines.push(
    '# Node parses the whole NODE_EXTRA_CA_CERTS bundle as it starts (~60 ms on a CI VM), for',
    '# TLS; the scan makes no connections.',
    'unset NODE_EXTRA_CA_CERTS',
    `node=${shellQuote(node)}`,
    `bin=${shellQuote(bin)}`,
    'if [ -x "$node" ] && [ -f "$bin" ]; then exec "$node" "$bin" scan --staged; fi',
    '# Moved or uninstalled since `keywarden hook install`: the project\'s own copy, then PATH.',
    'if [ -f "$bin" ] && command -v node >/dev/null 2>&1; then exec node "$bin" scan --staged; fi',
    'local_bin="$(git rev-parse --show-toplevel)/node_modules/.bin/keywarden"',
    'if [ -x "$local_bin" ]; then exec "$local_bin" scan --staged; fi',
    'if command -v keywarden >/dev/null 2>&1; then exec keywarden scan --staged; fi',
    'echo "keywarden: the pre-commit hook cannot find keywarden (installed at $bin). Install it again (npm i -D keywarden) and run keywarden hook install, or skip this check once with git commit --no-verify." >&2',
    'exit 1',
    '',
  );
  return lines.join('\n');
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
