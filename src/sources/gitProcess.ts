// Runs git as a child process and streams its stdout. We spawn git directly rather than
// through simple-git's buffered `raw()` so that a history of any size flows through in
// constant memory, and so the pre-commit path loads nothing heavy.
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { Readable } from 'node:stream';

/** A git command failed; `code` is stable for callers and reports. */
export class GitError extends Error {
  readonly code = 'GIT_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'GitError';
  }
}

/** Config that makes git's patch output parseable regardless of the user's settings. */
export const PATCH_CONFIG = [
  '-c', 'core.quotePath=false',
  '-c', 'diff.noprefix=false',
  '-c', 'diff.mnemonicPrefix=false',
  '-c', 'color.ui=never',
  '-c', 'log.showSignature=false',
  // A root commit's diff is part of the history; a user's log.showRoot=false would hide it.
  '-c', 'log.showRoot=true',
  // Paths always relative to the repository root, whatever directory git runs in.
  '-c', 'diff.relative=false',
];

/** Common flags for `git log -p` / `git diff` so that only our parser's format comes out. */
export const PATCH_FLAGS = [
  '--no-color',
  '--no-ext-diff',
  '--no-textconv',
  '--unified=0',
  '--find-renames',
  '--src-prefix=a/',
  '--dst-prefix=b/',
];

const MAX_STDERR = 4096;

export interface GitChunksOptions {
  /**
   * The output is large (a history): have git write it in large blocks. To a pipe, git
   * flushes after every commit and otherwise writes 4 KB at a time, so 20 MB of patches cost
   * ~7,500 writes in git and as many wake-ups and reads here; on this kind of VM each
   * syscall is several microseconds, on both sides of the pipe. GIT_FLUSH=0 stops the
   * per-commit flush and coreutils' stdbuf enlarges git's stdio buffer. Measured on a
   * 2,500-commit history: 780 -> 700 ms wall. Larger blocks (1 MB) were slower: git then
   * waits for the reader to drain each block instead of working while it reads.
   */
  bulk?: boolean;
  /** stdbuf's path (tests point it at stand-ins); default /usr/bin/stdbuf. */
  stdbuf?: string;
}

const BULK_BLOCK = '64K';
/** Where coreutils puts stdbuf; without it (macOS, busybox) git runs directly. */
const STDBUF = '/usr/bin/stdbuf';
const stdbufUsable = new Map<string, boolean>();
/** stdbuf's own exit codes: 125, it failed itself; 126 and 127, it could not run git. */
const STDBUF_FAILED = 125;
const STDBUF_EXEC_FAILED = new Set([126, 127]);

/**
 * Yields stdout as it arrives, in raw chunks: patch parsing works on bytes, and most of the
 * output (added lines) never needs to become a string.
 */
export function gitChunks(args: string[], cwd: string, opts: GitChunksOptions = {}): AsyncGenerator<Buffer> {
  // Spawned and listened to now, not on the first read: a caller can start git early and do
  // other work (building the rule set) while git writes into the pipe.
  const stdbuf = opts.stdbuf ?? STDBUF;
  const viaStdbuf = opts.bulk === true && usable(stdbuf);
  const env = opts.bulk ? { ...process.env, GIT_FLUSH: '0' } : process.env;
  const child = viaStdbuf
    ? spawn(stdbuf, ['-o', BULK_BLOCK, 'git', ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn('git', args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const run: GitRun = { child, args, cwd, opts, stdbuf: viaStdbuf ? stdbuf : undefined, stderr: '', exited: undefined as unknown as GitRun['exited'] };
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d: string) => {
    if (run.stderr.length < MAX_STDERR) run.stderr += d;
  });
  run.exited = new Promise((resolve) => {
    child.on('error', (e) => resolve({ code: null, spawnError: e }));
    child.on('close', (code) => resolve({ code }));
  });
  // Without a listener, Node discards (resumes) a child's unread stdout when it exits; this
  // one keeps the output buffered until readChunks consumes it.
  child.stdout.on('readable', () => {});
  return readChunks(run);
}

interface GitRun {
  child: ChildProcessByStdio<null, Readable, Readable>;
  args: string[];
  cwd: string;
  opts: GitChunksOptions;
  /** The stdbuf that runs git, if one does. */
  stdbuf: string | undefined;
  stderr: string;
  exited: Promise<{ code: number | null; spawnError?: Error }>;
}

function cannotRunGit(reason: string): GitError {
  return new GitError(`could not run git (${reason}); is git installed and on PATH?`);
}

function usable(stdbuf: string): boolean {
  let ok = stdbufUsable.get(stdbuf);
  if (ok === undefined) stdbufUsable.set(stdbuf, (ok = existsSync(stdbuf)));
  return ok;
}

async function* readChunks(run: GitRun): AsyncGenerator<Buffer> {
  const { child, args, exited, stdbuf } = run;
  let finished = false;
  let output = false;
  try {
    for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
      output = true;
      yield chunk;
    }
    const { code, spawnError } = await exited;
    finished = true;
    if (spawnError) throw cannotRunGit(spawnError.message);
    if (stdbuf !== undefined && code === STDBUF_FAILED && !output) {
      // A broken stdbuf (its preload library missing, say) must not stop the scan: plain git.
      stdbufUsable.set(stdbuf, false);
      yield* gitChunks(args, run.cwd, run.opts);
      return;
    }
    const reason = run.stderr.trim().split('\n')[0] || `exit code ${code}`;
    if (stdbuf !== undefined && code !== null && STDBUF_EXEC_FAILED.has(code)) throw cannotRunGit(reason);
    if (code !== 0) throw new GitError(`git ${subcommandOf(args)} failed: ${reason}`);
  } finally {
    // The consumer stopped early (error, or it had seen enough): don't leave git running.
    if (!finished) child.kill();
  }
}

/** Runs git to completion and returns stdout without its final newline; for small outputs only. */
export async function gitOutput(args: string[], cwd: string): Promise<string> {
  const out: Buffer[] = [];
  for await (const chunk of gitChunks(args, cwd)) out.push(chunk);
  return Buffer.concat(out).toString('utf8').replace(/\n$/, '');
}

function subcommandOf(args: string[]): string {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '-c' || args[i] === '-C') i++;
    else if (!args[i].startsWith('-')) return args[i];
  }
  return '';
}
