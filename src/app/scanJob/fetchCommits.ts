// Fetches just what a scan reads into a fresh bare repository in a temp dir: the commits of its
// range, each one's parent (so the oldest commit's patch is a diff, not its whole tree), and
// only the blobs those patches show. The cost of a push is flat in the repository's history:
//   1. `--filter=blob:none --depth=D` of the range's ends (commits and trees only), D = 2 first
//      (a one-commit push: the new commit, the old head and its parent), then deeper (x4 per
//      round, at most the scan's commit cap + 2) while the range still meets a shallow
//      boundary: a long push, or a force push whose old head must reach the merge base.
//   2. the blobs the range's patches read, listed from the trees (rangeCoverage.ts) and fetched
//      in one request, the way git's own lazy fetch asks (no negotiation, ids on stdin).
//   The clone is never in partial-clone mode outside those fetches: a blob the scan's
//   `git log -p` still lacked would be an error, never one lazy fetch per file (which would
//   also run without the token).
// Measured with `npm run bench app-fetch` (git's smart HTTP on loopback; 300 files, one-commit
// push after 10 and after 20,000 earlier commits; medians of 5, a loaded 8-helper machine):
//   old full fetch:               687 ms / 160 KB  ->  9,971 ms / 25,264 KB  (14.5x, 158x)
//   this (shallow + blob-less):   884 ms /  14 KB  ->    970 ms /     14 KB  (1.10x, 1.01x)
//   shallow with blobs:           666 ms / 153 KB  ->    731 ms /    140 KB  (1.10x, 0.92x)
// Both bounded options are flat in history. The shallow one is ~0.2 s quicker here (one request
// instead of two, fewer local git steps) but receives a whole snapshot of the tree (every file
// of the old head and its parent), so its cost grows with the size of the repository's tree: a monorepo's snapshot is gigabytes. The blob-less one receives
// commits, trees and the changed files only: flat in history and nearly flat in tree size, so
// it is the one used (`filterBlobs: false` keeps the other for the bench's comparison).
// The installation token travels ONLY as an HTTP header set through GIT_CONFIG_* environment
// variables of the git process: never in .git/config, never in a URL, never in argv.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GitStepError, runGitStep, type GitStepLimits } from './gitFetchProcess.js';
import { blobsForRange, missingEnds, missingObjects, needsDeeper, type LocalGit } from './rangeCoverage.js';

export class FetchError extends Error {
  readonly code = 'GIT_FETCH_FAILED';
  constructor(message: string, readonly timedOut = false) {
    super(message);
    this.name = 'FetchError';
  }
}

export interface FetchOptions {
  cloneUrl: string;
  /** Installation token; omitted for local test repositories. */
  token?: string;
  /** Commits (shas) and refs (`refs/heads/main`, `refs/pull/7/head`) to fetch. */
  wants: string[];
  /** The revision range the scan reads (fetchPlan's): `A..B` or one revision (its history). */
  range: string;
  /** The scan's commit cap: the fetch goes no deeper than the scan reads (the cap + 1) + their parents. */
  maxCommits: number;
  /** Allow file:// and http://127.0.0.1 clone URLs (tests only: KEYWARDEN_ALLOW_FILE_CLONE=1). */
  allowLocal?: boolean;
  /** The GitHub Enterprise Server's origin when it is served over http (GHE_PROTOCOL=http). */
  httpOrigin?: string;
  /** git printed nothing (no progress) for this long: the transfer is stuck. Default 120 s. */
  inactivityMs?: number;
  /** Every step of the fetch together must end within this. Default 10 min. */
  timeoutMs?: number;
  /** false: fetch whole trees with their blobs (shallow only), for the bench's comparison. Default true. */
  filterBlobs?: boolean;
}

export interface FetchedRepo {
  dir: string;
  /** Removes the clone; safe to call twice. */
  cleanup(): Promise<void>;
}

export const DEFAULT_FETCH_INACTIVITY_MS = 120_000;
export const DEFAULT_FETCH_TIMEOUT_MS = 600_000;
const FIRST_DEPTH = 2;
const DEPTH_GROWTH = 4;

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Clone URLs are https; http only on the GitHub Enterprise Server's own origin when it is
 * served over http (GHE_PROTOCOL=http, behind a proxy), or on loopback in tests, never
 * anywhere else: the token goes with the fetch.
 */
export function checkCloneUrl(url: string, allowLocal: boolean, httpOrigin?: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new FetchError(`clone URL is not a URL: ${url}`);
  }
  if (parsed.username || parsed.password) throw new FetchError('clone URL must not carry credentials');
  if (parsed.protocol === 'https:') return;
  if (parsed.protocol === 'file:' && allowLocal) return;
  if (parsed.protocol === 'http:' && httpOrigin && parsed.origin === new URL(httpOrigin).origin) return;
  if (parsed.protocol === 'http:' && allowLocal && LOOPBACK.has(parsed.hostname)) return;
  throw new FetchError(
    `clone URL must be https (http only on the GitHub Enterprise Server with GHE_PROTOCOL=http; file:// and http://127.0.0.1 only with KEYWARDEN_ALLOW_FILE_CLONE=1, for tests): ${parsed.protocol}//${parsed.host}`,
  );
}

/**
 * The GIT_CONFIG_* variables that make git send the token as a Basic auth header, to the clone
 * URL's scheme, host and port only (`http.<url>.extraHeader`): never to a submodule's or any
 * other host. git keeps sending a configured header to wherever a redirect took it (measured:
 * after a 302 to another host, both its upload-pack POSTs carried it), so redirects are off.
 */
export function authEnv(token: string | undefined, cloneUrl: string): Record<string, string> {
  const noRedirects = { GIT_CONFIG_KEY_0: 'http.followRedirects', GIT_CONFIG_VALUE_0: 'false' };
  if (!token) return { GIT_CONFIG_COUNT: '1', ...noRedirects };
  const { protocol, host } = new URL(cloneUrl);
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
  return { GIT_CONFIG_COUNT: '2', ...noRedirects, GIT_CONFIG_KEY_1: `http.${protocol}//${host}/.extraHeader`, GIT_CONFIG_VALUE_1: `Authorization: Basic ${basic}` };
}

const REF = /^(?:[0-9a-f]{40}|refs\/heads\/[A-Za-z0-9._\/-]+|refs\/pull\/[1-9][0-9]{0,9}\/head)$/;

/** Where a wanted ref lands: `refs/heads/x` → `origin/x`, `refs/pull/7/head` → `origin/pull/7/head`. */
function refspec(want: string): string {
  if (want.startsWith('refs/heads/')) return `+${want}:refs/remotes/origin/${want.slice(11)}`;
  if (want.startsWith('refs/pull/')) return `+${want}:refs/remotes/origin/${want.slice(5)}`;
  return want;
}

const FETCH = ['-c', 'gc.auto=0', '-c', 'maintenance.auto=false', '-c', 'fetch.writeCommitGraph=false', 'fetch', '--no-tags', '--progress', '--no-write-fetch-head', '--recurse-submodules=no'];

export async function fetchCommits(opts: FetchOptions): Promise<FetchedRepo> {
  checkCloneUrl(opts.cloneUrl, opts.allowLocal ?? false, opts.httpOrigin);
  for (const w of opts.wants) {
    if (!REF.test(w) || w.includes('..')) throw new FetchError(`refusing to fetch "${w}": not a commit sha, branch or pull request ref`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'keywarden-scan-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  const limits: GitStepLimits = { inactivityMs: opts.inactivityMs ?? DEFAULT_FETCH_INACTIVITY_MS, deadline: Date.now() + (opts.timeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS) };
  // A minimal environment: nothing of the worker's own (REDIS_URL, PRIVATE_KEY...) reaches git.
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, GIT_TERMINAL_PROMPT: '0', GIT_CONFIG_NOSYSTEM: '1', ...authEnv(opts.token, opts.cloneUrl) };
  const g: LocalGit = { dir, env, limits };
  const git = (args: string[], stdin?: string) => runGitStep(args, dir, env, limits, stdin);
  try {
    await git(['init', '--quiet', '--bare', dir]);
    await git(['remote', 'add', 'origin', opts.cloneUrl]);
    // The partial-clone settings go on the fetch's command line only, never into the clone's
    // config: every other git command (the checks below, the scan's `git log -p`) then sees a
    // missing blob as missing instead of fetching it on the spot, one request per file.
    const filter = opts.filterBlobs === false ? [] : ['-c', 'remote.origin.promisor=true', '-c', 'remote.origin.partialclonefilter=blob:none'];
    const filterFlag = filter.length > 0 ? ['--filter=blob:none'] : [];
    const refspecs = opts.wants.map(refspec);
    // The scan reads up to maxCommits + 1 commits (the one past the cap says it was cut), and
    // each of those needs its parent: never deeper than that.
    const reads = opts.maxCommits + 1;
    const cap = reads + 1;
    // One revision (a baseline, a default branch's first push) is read back from its tip: fetch
    // the capped depth at once. A range starts shallow and goes deeper only if it must.
    let depth = opts.range.includes('..') ? Math.min(FIRST_DEPTH, cap) : cap;
    for (;;) {
      await git([...filter, ...FETCH, ...filterFlag, `--depth=${depth}`, 'origin', ...refspecs]);
      if (!(await needsDeeper(g, opts.range, reads))) break;
      if (depth >= cap) {
        // A pull request's head fetched through refs/pull/N/head may have moved on past this
        // job's head (a newer push to the PR), out of reach within the cap.
        const missing = await missingEnds(g, opts.range);
        if (missing.length > 0) throw new FetchError(`${missing.join(', ')} not fetched: not on the server, or not within ${cap} commits of what was fetched`);
        break;
      }
      depth = Math.min(depth * DEPTH_GROWTH, cap);
    }
    if (filter.length > 0) {
      const blobs = await missingObjects(g, await blobsForRange(g, opts.range, reads));
      if (blobs.length > 0) await git([...filter, '-c', 'fetch.negotiationAlgorithm=noop', ...FETCH, ...filterFlag, '--stdin', 'origin'], blobs.join('\n') + '\n');
    }
    return { dir, cleanup };
  } catch (err) {
    await cleanup();
    if (err instanceof FetchError) throw err;
    // git's message may quote the command line; it never holds the token (env only).
    const timedOut = err instanceof GitStepError && err.timedOut;
    throw new FetchError(`git fetch failed: ${(err as Error).message.split('\n').slice(0, 3).join(' ')}`, timedOut);
  }
}
