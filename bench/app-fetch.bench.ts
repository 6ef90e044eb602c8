// The App's fetch for a one-commit push, over git's smart HTTP (`git http-backend` behind a
// node HTTP server, as a Git host serves it; the bytes counted are the response bodies git
// receives). Two repositories of the same shape: 300 source files in 30 folders, changed a
// few lines at a time by 10 and by 20,000 earlier commits. One new commit (with a planted key)
// is pushed on top; the scan job's fetch + scan of that push is timed and its bytes counted:
//   before: the old full fetch (`git fetch origin <before> <after>` into an empty repository)
//   after:  fetchCommits as shipped (shallow, blob-less, then the range's blobs in one go)
//   shallow: fetchCommits with filterBlobs: false (shallow with whole trees), the other option
// Target: `after` on 20,000 commits within 1.3x of 10 commits, in time and in bytes.
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { formatToken } from '../src/keyformat/keyFormat.js';
import { fetchCommits } from '../src/app/scanJob/fetchCommits.js';
import { planFetch } from '../src/app/scanJob/fetchPlan.js';
import { scanCommits, type ScanCommitsResult } from '../src/app/scanJob/scanCommits.js';
import type { ScanJobData } from '../src/app/scanJobData.js';
import { servePartialClones, startGitHttpServer, type GitHttpServer } from '../test/support/gitHttpServer.js';
import { median, table } from './benchUtil.js';

const exec = promisify(execFile);
const HISTORIES = [10, 20_000];
const FILES = 300;
const LINES = 30;
const RUNS = 5;
const TARGET = 1.3;
const LIMITS = { maxCommits: 500, maxBaselineCommits: 2_000 };
const CONFIG = { disabledRules: [], ignorePaths: [], allowlists: [] };

function pseudoRandom(seed: number): () => number {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
}

/** fast-import stream: FILES files, then `history` commits that each rewrite a line or two of 1-3 files. */
function historyStream(history: number): string {
  const rnd = pseudoRandom(7);
  const words = ['config', 'value', 'handler', 'request', 'index', 'result', 'user', 'cache', 'queue', 'token'];
  const line = (): string => `  const ${words[rnd() % 10]}${rnd() % 1000} = ${words[rnd() % 10]}(${rnd() % 100000}, '${words[rnd() % 10]}');`;
  const files = Array.from({ length: FILES }, () => Array.from({ length: LINES }, line));
  const path = (f: number): string => `src/m${f % 30}/file_${f}.ts`;
  const data = (s: string): string => `data ${Buffer.byteLength(s)}\n${s}\n`;
  const parts: string[] = [];
  for (let c = 0; c <= history; c++) {
    const ts = 1_700_000_000 + c * 600;
    parts.push(`commit refs/heads/main\nmark :${c + 1}\ncommitter Dev ${c % 9} <dev${c % 9}@example.com> ${ts} +0000\n`, data(`change ${c}`));
    if (c > 0) parts.push(`from :${c}\n`);
    const touched = c === 0 ? files.map((_, f) => f) : Array.from({ length: 1 + (rnd() % 3) }, () => rnd() % FILES);
    for (const f of touched) {
      if (c > 0) for (let k = 0; k < 1 + (rnd() % 2); k++) files[f][rnd() % LINES] = line();
      parts.push(`M 100644 inline ${path(f)}\n`, data(files[f].join('\n') + '\n'));
    }
  }
  return parts.join('');
}

interface Repo {
  history: number;
  cloneUrl: string;
  before: string;
  after: string;
}

function buildRepo(root: string, history: number, serverUrl: string): Repo {
  const name = `h${history}.git`;
  const bare = join(root, name);
  const git = (args: string[], input?: string): string => execFileSync('git', args, { cwd: bare, input, encoding: 'utf8', maxBuffer: 1 << 30 }).trim();
  mkdirSync(bare);
  git(['init', '-q', '--bare', '-b', 'main']);
  git(['fast-import', '--quiet'], historyStream(history));
  // Packed with bitmaps, as a Git host keeps its repositories.
  git(['repack', '-a', '-d', '-b', '-q']);
  servePartialClones(bare);
  const before = git(['rev-parse', 'main']);
  // The push: one commit changing one file, with a key in it.
  const key = formatToken('secret', 'live');
  const pushed = `commit refs/heads/main\ncommitter Dev <dev@example.com> 1800000000 +0000\ndata 5\npush\nfrom ${before}\nM 100644 inline src/m1/file_1.ts\ndata <<EOF\nexport const apiKey = '${key}';\nEOF\n\n`;
  git(['fast-import', '--quiet'], pushed);
  return { history, cloneUrl: `${serverUrl}/${name}`, before, after: git(['rev-parse', 'main']) };
}

interface Measured {
  ms: number;
  bytes: number;
  requests: number;
  scan: ScanCommitsResult;
}

async function oldFullFetch(url: string, wants: string[]): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'kw-bench-old-'));
  await exec('git', ['init', '-q', '--bare', dir]);
  await exec('git', ['remote', 'add', 'origin', url], { cwd: dir });
  await exec('git', ['fetch', '--no-tags', '--quiet', 'origin', ...wants], { cwd: dir });
  return dir;
}

async function measureOnce(server: GitHttpServer, repo: Repo, variant: string): Promise<Measured> {
  const job: ScanJobData = { receivedAt: 0, installationId: 1, owner: 'o', repo: 'r', cloneUrl: repo.cloneUrl, event: 'push', before: repo.before, after: repo.after, ref: 'refs/heads/main', defaultBranch: 'main' };
  const plan = planFetch(job, 'main', LIMITS);
  server.reset();
  const t0 = process.hrtime.bigint();
  const dir =
    variant === 'before'
      ? await oldFullFetch(repo.cloneUrl, plan.wants)
      : (await fetchCommits({ cloneUrl: repo.cloneUrl, wants: plan.wants, range: plan.range, maxCommits: plan.maxCommits, allowLocal: true, filterBlobs: variant === 'after' })).dir;
  try {
    const scan = await scanCommits({ repoDir: dir, range: plan.range, config: CONFIG, maxCommits: plan.maxCommits, maxBytes: 50 * 1024 * 1024 });
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    return { ms, bytes: server.bytesSent(), requests: server.requests.length, scan };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'kw-bench-app-fetch-'));
  const server = await startGitHttpServer(root);
  try {
    const repos = HISTORIES.map((h) => buildRepo(root, h, server.url));
    const variants = ['before', 'after', 'shallow'];
    const figures = new Map<string, { ms: number; bytes: number; requests: number; commits: number; findings: number }>();
    // Interleaved (every variant on every repository, then again), so a change in the machine's
    // load during the bench falls on all of them alike.
    const runs = new Map<string, Measured[]>();
    for (let i = 0; i < RUNS; i++) {
      for (const repo of repos) {
        for (const variant of variants) {
          const key = `${variant}:${repo.history}`;
          runs.set(key, [...(runs.get(key) ?? []), await measureOnce(server, repo, variant)]);
        }
      }
    }
    for (const [key, list] of runs) {
      const last = list[list.length - 1];
      figures.set(key, { ms: median(list.map((r) => r.ms)), bytes: last.bytes, requests: last.requests, commits: last.scan.commits, findings: last.scan.findings.length });
    }
    const rows: (string | number)[][] = [['variant', 'history', 'ms (median)', 'KB received', 'requests', 'commits scanned', 'findings']];
    for (const variant of variants) {
      for (const h of HISTORIES) {
        const f = figures.get(`${variant}:${h}`)!;
        rows.push([variant, h, Math.round(f.ms), Math.round(f.bytes / 102.4) / 10, f.requests, f.commits, f.findings]);
      }
    }
    table(rows);
    console.log('');
    const ratioRows: (string | number)[][] = [['variant', `time ${HISTORIES[1]}/${HISTORIES[0]}`, `bytes ${HISTORIES[1]}/${HISTORIES[0]}`]];
    for (const variant of variants) {
      const [small, big] = HISTORIES.map((h) => figures.get(`${variant}:${h}`)!);
      ratioRows.push([variant, `${(big.ms / small.ms).toFixed(2)}x`, `${(big.bytes / small.bytes).toFixed(2)}x`]);
    }
    table(ratioRows);
    const [small, big] = HISTORIES.map((h) => figures.get(`after:${h}`)!);
    const worst = Math.max(big.ms / small.ms, big.bytes / small.bytes);
    console.log(`\nafter (shipped): ${HISTORIES[1]} vs ${HISTORIES[0]} earlier commits: ${worst.toFixed(2)}x (target <= ${TARGET}x) ${worst <= TARGET ? 'OK' : 'MISSED'}`);
    const oldBig = figures.get(`before:${HISTORIES[1]}`)!;
    console.log(`before -> after on ${HISTORIES[1]} commits: ${(oldBig.ms / big.ms).toFixed(1)}x faster, ${(oldBig.bytes / big.bytes).toFixed(0)}x fewer bytes`);
  } finally {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
}
