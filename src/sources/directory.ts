// Every file under a path. Inside a git work tree the file list comes from
// `git ls-files -co --exclude-standard`, so .gitignore'd files are left out exactly as git
// sees them; outside git (or with --no-gitignore) we walk the tree ourselves.
import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import { isBinary } from '../scan/index.js';
import type { SourceItem } from './types.js';

export interface DirectoryOptions {
  root: string;
  /** Honour .gitignore when root is in a git work tree. Default true. */
  gitignore?: boolean;
  /** Files larger than this are reported as skipped, not read. */
  maxFileSize?: number;
  /** Paths (relative to root, `/`-separated) to leave out; reported as skipped. */
  ignorePath?: (path: string) => boolean;
  /** A file that cannot be read (permissions, vanished): the scan goes on without it. */
  onUnreadable?: (path: string, reason: string) => void;
}

const READ_AHEAD = 8;

export async function* directoryItems(opts: DirectoryOptions): AsyncGenerator<SourceItem> {
  const rootStat = await stat(opts.root);
  if (rootStat.isFile()) {
    // A single file: report it under the name the user gave.
    const item = await readItem(opts.root, opts.root.split(sep).join('/') || basename(opts.root), opts);
    if (item) yield item;
    return;
  }
  const paths = await listFiles(opts.root, opts.gitignore ?? true);
  // Reads run a few files ahead of the scan so that disk and CPU overlap.
  const pending: Promise<SourceItem | undefined>[] = [];
  let next = 0;
  const fill = (): void => {
    while (pending.length < READ_AHEAD && next < paths.length) {
      const rel = paths[next++];
      pending.push(readItem(join(opts.root, rel), rel, opts));
    }
  };
  fill();
  while (pending.length > 0) {
    const item = await (pending.shift() as Promise<SourceItem | undefined>);
    fill();
    if (item) yield item;
  }
}

async function readItem(full: string, path: string, opts: DirectoryOptions): Promise<SourceItem | undefined> {
  let info;
  try {
    info = await lstat(full);
  } catch {
    return undefined; // listed by git but deleted from the work tree
  }
  // Symlinks, submodules (gitlinks), sockets: not file content of this tree.
  if (!info.isFile()) return undefined;
  if (opts.ignorePath?.(path)) return { path, reason: 'ignored-path', bytes: info.size };
  if (opts.maxFileSize !== undefined && info.size > opts.maxFileSize) return { path, reason: 'too-large', bytes: info.size };
  let buf: Buffer;
  try {
    buf = await readFile(full);
  } catch (err) {
    opts.onUnreadable?.(path, (err as NodeJS.ErrnoException).code ?? (err as Error).message);
    return undefined;
  }
  if (isBinary(buf)) return { path, reason: 'binary', bytes: buf.length };
  // The engine scans bytes: decoding to a string here would only be encoded back.
  return { path, text: buf };
}

/** Files under root, relative, `/`-separated, sorted. */
export async function listFiles(root: string, gitignore: boolean): Promise<string[]> {
  if (gitignore) {
    const fromGit = await listGitFiles(root);
    if (fromGit) return fromGit;
  }
  const out: string[] = [];
  await walk(root, root, out);
  return out.sort();
}

async function listGitFiles(root: string): Promise<string[] | undefined> {
  const { simpleGit } = await import('simple-git');
  const git = simpleGit({ baseDir: root, config: ['core.quotePath=false'] });
  try {
    if ((await git.revparse(['--is-inside-work-tree'])).trim() !== 'true') return undefined;
  } catch {
    return undefined; // not a git work tree: walk instead
  }
  const raw = await git.raw(['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', '.']);
  const files = [...new Set(raw.split('\0').filter((p) => p !== ''))];
  return files.sort();
}

async function walk(root: string, dir: string, out: string[]): Promise<void> {
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    const full = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name === '.git') continue;
      await walk(root, full, out);
    } else if (e.isFile()) {
      out.push(relative(root, full).split(sep).join('/'));
    }
  }
}
