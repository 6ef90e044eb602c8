// Fetches just the commits a scan needs into a fresh bare repository in a temp dir.
// The installation token travels ONLY as an HTTP header set through GIT_CONFIG_* environment
// variables of the git process: never in .git/config, never in a URL, never in argv (which
// simple-git and process listings show).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleGit } from 'simple-git';

export class FetchError extends Error {
  readonly code = 'GIT_FETCH_FAILED';
  constructor(message: string) {
    super(message);
    this.name = 'FetchError';
  }
}

export interface FetchOptions {
  cloneUrl: string;
  /** Installation token; omitted for local test repositories. */
  token?: string;
  /** Commits (shas) and refs (`refs/heads/main`) to fetch. */
  wants: string[];
  /** Allow file:// and plain paths as clone URLs (tests only: KEYWARDEN_ALLOW_FILE_CLONE=1). */
  allowLocal?: boolean;
  /** The GitHub Enterprise Server's origin when it is served over http (GHE_PROTOCOL=http). */
  httpOrigin?: string;
  timeoutMs?: number;
}

export interface FetchedRepo {
  dir: string;
  /** Removes the clone; safe to call twice. */
  cleanup(): Promise<void>;
}

/**
 * Clone URLs are https; http only on the GitHub Enterprise Server's own origin when it is
 * served over http (GHE_PROTOCOL=http, behind a proxy), never anywhere else: the token goes
 * with the fetch.
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
  throw new FetchError(`clone URL must be https (http only on the GitHub Enterprise Server with GHE_PROTOCOL=http; file:// only with KEYWARDEN_ALLOW_FILE_CLONE=1, for tests): ${parsed.protocol}//${parsed.host}`);
}

/** The GIT_CONFIG_* variables that make git send the token as a Basic auth header. */
export function authEnv(token: string | undefined): Record<string, string> {
  if (!token) return { GIT_CONFIG_COUNT: '0' };
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64');
  return { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}` };
}

const REF = /^(?:[0-9a-f]{40}|refs\/heads\/[A-Za-z0-9._\/-]+)$/;

export async function fetchCommits(opts: FetchOptions): Promise<FetchedRepo> {
  checkCloneUrl(opts.cloneUrl, opts.allowLocal ?? false, opts.httpOrigin);
  for (const w of opts.wants) {
    if (!REF.test(w) || w.includes('..')) throw new FetchError(`refusing to fetch "${w}": not a commit sha or branch ref`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'keywarden-scan-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    const git = simpleGit({
      baseDir: dir,
      timeout: { block: opts.timeoutMs ?? 120_000 },
      unsafe: { allowUnsafeConfigEnvCount: true },
      allowEnvironment: ['GIT_CONFIG_COUNT', 'GIT_CONFIG_KEY_0', 'GIT_CONFIG_VALUE_0', 'GIT_TERMINAL_PROMPT'],
    }).env({
      // A minimal environment: nothing of the worker's own (REDIS_URL, PRIVATE_KEY...) reaches git.
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: dir,
      GIT_TERMINAL_PROMPT: '0',
      ...authEnv(opts.token),
    });
    await git.init(true);
    await git.addRemote('origin', opts.cloneUrl);
    const refspecs = opts.wants.map((w) => (w.startsWith('refs/heads/') ? `+${w}:refs/remotes/origin/${w.slice(11)}` : w));
    await git.fetch(['--no-tags', '--quiet', 'origin', ...refspecs]);
    return { dir, cleanup };
  } catch (err) {
    await cleanup();
    // git's message may quote the command line; it never holds the token (env only).
    throw new FetchError(`git fetch failed: ${(err as Error).message.split('\n').slice(0, 3).join(' ')}`);
  }
}
