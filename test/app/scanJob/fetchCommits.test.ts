// The scan job's fetch over git's smart HTTP (git http-backend behind a local server): what a
// push costs must not depend on how much history the repository has, and what it fetches must
// still give the scan correct patches (the oldest new commit diffed against its parent).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatToken } from '../../../src/keyformat/keyFormat.js';
import { authEnv, fetchCommits } from '../../../src/app/scanJob/fetchCommits.js';
import { fetchAndScan } from '../../../src/app/scanJob/fetchAndScan.js';
import { planFetch } from '../../../src/app/scanJob/fetchPlan.js';
import { scanCommits } from '../../../src/app/scanJob/scanCommits.js';
import { gitHistoryFragments } from '../../../src/sources/gitHistory.js';
import type { ScanJobData } from '../../../src/app/scanJobData.js';
import { servePartialClones, startGitHttpServer, type GitHttpServer } from '../../support/gitHttpServer.js';
import { ensureBuilt } from '../../support/ensureBuilt.js';

ensureBuilt();
const HISTORY = 300;
const LINES = 20;
const CONFIG = { disabledRules: [], ignorePaths: [], allowlists: [] };
const LIMITS = { maxCommits: 500, maxBaselineCommits: 2_000 };
const root = mkdtempSync(join(tmpdir(), 'kw-fetch-test-'));
let server: GitHttpServer;

/** A served bare repository; commits are written with fast-import (no event-loop server call). */
class ServedRepo {
  readonly bare: string;
  private files = new Map<string, string[]>();
  private n = 0;
  constructor(readonly name: string) {
    this.bare = join(root, `${name}.git`);
    mkdirSync(this.bare);
    this.git('init', '-q', '--bare', '-b', 'main');
    servePartialClones(this.bare);
  }
  get url(): string {
    return `${server.url}/${this.name}.git`;
  }
  git(...args: string[]): string {
    return execFileSync('git', args, { cwd: this.bare, encoding: 'utf8', maxBuffer: 1 << 28 }).trim();
  }
  /** `count` commits on `ref` (from `parent`, or the ref's tip), each rewriting one line of a few files. */
  commits(count: number, opts: { ref?: string; parent?: string; change?: (c: number) => Record<string, string> } = {}): string {
    const ref = opts.ref ?? 'refs/heads/main';
    // fast-import starts a branch it has not seen in this run afresh: name the parent.
    const parent = opts.parent ?? this.tip(ref);
    const parts: string[] = [];
    const data = (s: string): string => `data ${Buffer.byteLength(s)}\n${s}\n`;
    for (let c = 0; c < count; c++) {
      const i = this.n++;
      parts.push(`commit ${ref}\ncommitter Dev <dev@example.com> ${1_700_000_000 + i * 60} +0000\n`, data(`change ${i}`));
      if (c === 0 && parent) parts.push(`from ${parent}\n`);
      const changes = opts.change?.(c) ?? this.ordinaryChange(i);
      for (const [path, text] of Object.entries(changes)) parts.push(`M 100644 inline ${path}\n`, data(text));
    }
    execFileSync('git', ['fast-import', '--quiet', '--force'], { cwd: this.bare, input: parts.join('') });
    return this.git('rev-parse', ref);
  }
  private tip(ref: string): string | undefined {
    try {
      return this.git('rev-parse', '--verify', '--quiet', ref);
    } catch {
      return undefined;
    }
  }
  private ordinaryChange(i: number): Record<string, string> {
    const out: Record<string, string> = {};
    for (const f of [i % 40, (i * 7) % 40]) {
      const path = `src/m${f % 5}/file${f}.ts`;
      const lines = this.files.get(path) ?? Array.from({ length: LINES }, (_, k) => `export const v${k} = ${k};`);
      lines[i % LINES] = `export const v${i % LINES} = ${i};`;
      this.files.set(path, lines);
      out[path] = lines.join('\n') + '\n';
    }
    return out;
  }
  /** A one-line change to an existing file, with a key on that line. */
  leak(key: string): Record<string, string> {
    const path = 'src/m0/file0.ts';
    const lines = [...(this.files.get(path) ?? [])];
    lines.splice(3, 0, `export const apiKey = '${key}';`);
    this.files.set(path, lines);
    return { [path]: lines.join('\n') + '\n' };
  }
}

const inClone = (dir: string, ...args: string[]): string => execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const isShallow = (dir: string): boolean => inClone(dir, 'rev-parse', '--is-shallow-repository') === 'true';
/** Commit objects in the clone, reachable from a ref or not (a fetch by sha writes no ref). */
const commitsHeld = (dir: string): number => inClone(dir, 'cat-file', '--batch-all-objects', '--batch-check=%(objecttype)').split('\n').filter((t) => t === 'commit').length;

function pushJob(repo: ServedRepo, before: string, after: string): ScanJobData {
  return { receivedAt: 0, installationId: 1, owner: 'o', repo: repo.name, cloneUrl: repo.url, defaultBranch: 'main', event: 'push', before, after, ref: 'refs/heads/main' };
}

beforeAll(async () => {
  server = await startGitHttpServer(root);
});
afterAll(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

describe('fetchCommits: a push costs what it adds, not the history', () => {
  const repo = new ServedRepo('history');
  const before = repo.commits(HISTORY);
  const key = formatToken('secret', 'live');
  const after = repo.commits(1, { change: () => repo.leak(key) });

  it('fetches O(1) commits for a one-commit push to a long history, and the patch is a diff', async () => {
    const plan = planFetch(pushJob(repo, before, after), 'main', LIMITS);
    const clone = await fetchCommits({ cloneUrl: repo.url, wants: plan.wants, range: plan.range, maxCommits: plan.maxCommits, allowLocal: true });
    try {
      expect(isShallow(clone.dir)).toBe(true);
      // The new commit, the old head, and the old head's parent (depth 2): not the 300 before.
      expect(commitsHeld(clone.dir)).toBeLessThanOrEqual(3);
      const requests = server.requests.length;
      const fragments = [];
      for await (const f of gitHistoryFragments({ repoDir: clone.dir, range: plan.range })) fragments.push(f);
      // One added line, on the line it was added at: a diff against the old head, not the file (or tree) added whole.
      expect(fragments).toHaveLength(1);
      expect(fragments[0]).toMatchObject({ path: 'src/m0/file0.ts', lineNumbers: [4] });
      expect(String(fragments[0].text).trim()).toBe(`export const apiKey = '${key}';`);
      const scan = await scanCommits({ repoDir: clone.dir, range: plan.range, config: CONFIG, maxCommits: plan.maxCommits, maxBytes: 1e6 });
      expect(scan.findings).toEqual([expect.objectContaining({ path: 'src/m0/file0.ts', line: 4, commit: after })]);
      // Every blob the patch read arrived with the fetch: the scan asked the server for nothing.
      expect(server.requests.length).toBe(requests);
      // ...and only those: a file the push did not touch has no content here.
      const untouched = repo.git('rev-parse', `${after}:src/m1/file1.ts`);
      expect(() => inClone(clone.dir, 'cat-file', '-e', untouched)).toThrow();
    } finally {
      await clone.cleanup();
    }
  });

  it('goes deeper for a long push, and every commit of it is a diff against its parent', async () => {
    const start = repo.git('rev-parse', 'main');
    const pushed = repo.commits(40);
    const plan = planFetch(pushJob(repo, start, pushed), 'main', LIMITS);
    const clone = await fetchCommits({ cloneUrl: repo.url, wants: plan.wants, range: plan.range, maxCommits: plan.maxCommits, allowLocal: true });
    try {
      expect(Number(inClone(clone.dir, 'rev-list', '--count', plan.range))).toBe(40);
      // Depth 2, 8, 32, then 128 reaches the old head: both ends are fetched to that depth, so at
      // most 2 x 128 commits, whatever the history below (the old full fetch held 341).
      expect(commitsHeld(clone.dir)).toBeLessThanOrEqual(2 * 128);
      let fragments = 0;
      for await (const f of gitHistoryFragments({ repoDir: clone.dir, range: plan.range })) {
        fragments++;
        // Each commit rewrites one line of a file: a whole-file add would be LINES lines.
        expect(String(f.text).trim().split('\n')).toHaveLength(1);
      }
      expect(fragments).toBeGreaterThanOrEqual(40);
    } finally {
      await clone.cleanup();
    }
  });

  it('a push longer than the cap: fetches no deeper than the scan reads, and says the count is a lower bound', async () => {
    const start = repo.git('rev-parse', 'main');
    const short = repo.commits(5);
    const long = repo.commits(40);
    const scanOf = async (from: string, to: string) => {
      const clone = await fetchCommits({ cloneUrl: repo.url, wants: [from, to], range: `${from}..${to}`, maxCommits: 3, allowLocal: true });
      try {
        return { held: commitsHeld(clone.dir), scan: await scanCommits({ repoDir: clone.dir, range: `${from}..${to}`, config: CONFIG, maxCommits: 3, maxBytes: 1e6 }) };
      } finally {
        await clone.cleanup();
      }
    };
    // 5 commits, cap 3: the depth (cap + 2) reaches the base, so the count is exact.
    const exact = await scanOf(start, short);
    expect(exact.scan.notScanned).toEqual({ commits: 2, files: 0 });
    // 40 commits, cap 3: 5 of them fetched, the rest never; the report says "at least".
    const cut = await scanOf(short, long);
    // Both ends to depth cap + 2 = 5, whatever the history below (the old full fetch held 386).
    expect(cut.held).toBeLessThanOrEqual(2 * 5);
    expect(cut.scan.truncated).toMatchObject({ reason: 'max-commits', limit: 3 });
    expect(cut.scan.notScanned).toMatchObject({ commitsAtLeast: true });
    expect(cut.scan.notScanned.commits).toBeGreaterThan(0);
  });

  it('bounds a baseline (one revision) by the commit cap', async () => {
    const clone = await fetchCommits({ cloneUrl: repo.url, wants: ['refs/heads/main'], range: 'origin/main', maxCommits: 25, allowLocal: true });
    try {
      expect(commitsHeld(clone.dir)).toBe(27);
      const scan = await scanCommits({ repoDir: clone.dir, range: 'origin/main', config: CONFIG, maxCommits: 25, maxBytes: 1e6 });
      expect(scan.truncated).toMatchObject({ reason: 'max-commits' });
    } finally {
      await clone.cleanup();
    }
  });
});

describe('force pushes', () => {
  const repo = new ServedRepo('forced');
  const base = repo.commits(HISTORY);
  const key = formatToken('secret', 'live');
  const log = pino({ level: 'silent' });

  it('a before that is still on the server but not an ancestor: scans only the new side, bounded', async () => {
    const oldTip = repo.commits(3, { ref: 'refs/heads/old' , parent: base });
    const newTip = repo.commits(2, { ref: 'refs/heads/main', parent: base, change: (c) => (c === 1 ? repo.leak(key) : { [`new${c}.txt`]: 'new\n' }) });
    const plan = planFetch(pushJob(repo, oldTip, newTip), 'main', LIMITS);
    const clone = await fetchCommits({ cloneUrl: repo.url, wants: plan.wants, range: plan.range, maxCommits: plan.maxCommits, allowLocal: true });
    try {
      expect(inClone(clone.dir, 'rev-list', plan.range).split('\n')).toHaveLength(2);
      expect(commitsHeld(clone.dir)).toBeLessThan(30);
      const scan = await scanCommits({ repoDir: clone.dir, range: plan.range, config: CONFIG, maxCommits: plan.maxCommits, maxBytes: 1e6 });
      expect(scan.findings).toEqual([expect.objectContaining({ path: 'src/m0/file0.ts', line: 4, commit: newTip })]);
      expect(scan.commits).toBe(2);
    } finally {
      await clone.cleanup();
    }
  });

  it('a before the server no longer has: falls back to the branch over the default branch, still bounded', async () => {
    const mainTip = repo.git('rev-parse', 'main');
    const feature = repo.commits(2, { ref: 'refs/heads/feature', parent: mainTip, change: (c): Record<string, string> => (c === 0 ? { 'f.txt': 'f\n' } : { 'g.env': `KEY=${key}\n` }) });
    const gone = 'e'.repeat(40);
    server.reset();
    const job = { ...pushJob(repo, gone, feature), ref: 'refs/heads/feature' };
    const { plan, result } = await fetchAndScan({ job, defaultBranch: 'main', cloneUrl: repo.url, token: '', config: CONFIG, limits: { ...LIMITS, maxBytes: 1e6 }, allowLocalClone: true, log });
    expect(plan.range).toBe(`origin/main..${feature}`);
    expect(result.commits).toBe(2);
    expect(result.findings).toEqual([expect.objectContaining({ path: 'g.env', commit: feature })]);
    // Bounded: the bytes of two small fetches, not of a clone of 300+ commits.
    expect(server.bytesSent()).toBeLessThan(20_000);
  });
});

describe('refs and the token', () => {
  const repo = new ServedRepo('refs');
  const base = repo.commits(5);

  it("fetches a fork pull request's head from refs/pull/N/head", async () => {
    const head = repo.commits(1, { ref: 'refs/pull/7/head', parent: base, change: () => ({ 'fork.txt': 'from a fork\n' }) });
    const job: ScanJobData = { ...pushJob(repo, base, head), event: 'pull_request', pullRequest: { number: 7, baseSha: base, headSha: head, fromFork: true } };
    const plan = planFetch(job, 'main', LIMITS);
    expect(plan.wants).toEqual([base, 'refs/pull/7/head']);
    const clone = await fetchCommits({ cloneUrl: repo.url, wants: plan.wants, range: plan.range, maxCommits: plan.maxCommits, allowLocal: true });
    try {
      expect(inClone(clone.dir, 'rev-list', plan.range)).toBe(head);
      expect(inClone(clone.dir, 'rev-parse', 'refs/remotes/origin/pull/7/head')).toBe(head);
    } finally {
      await clone.cleanup();
    }
    await expect(fetchCommits({ cloneUrl: repo.url, wants: ['refs/pull/7/merge'], range: base, maxCommits: 1, allowLocal: true })).rejects.toThrow(/refusing/);
  });

  it('sends the token to the clone URL host only: not to where a redirect points', async () => {
    const other = await startGitHttpServer(root);
    const token = 'ghs_' + 'Q'.repeat(36);
    const basic = `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
    try {
      expect(Object.keys(authEnv(token, repo.url)).filter((k) => k.startsWith('GIT_CONFIG_KEY'))).toHaveLength(2);
      expect(Object.values(authEnv(token, repo.url))).toContain(`http.${server.url}/.extraHeader`);
      server.reset();
      const clone = await fetchCommits({ cloneUrl: repo.url, token, wants: [base], range: base, maxCommits: 1, allowLocal: true });
      await clone.cleanup();
      expect(server.requests.length).toBeGreaterThan(0);
      expect(server.requests.every((r) => r.headers.authorization === basic)).toBe(true);

      // The clone URL answers with a redirect to another host: git must not follow it with the token.
      server.redirect('/moved.git', other.url);
      const moved = `${server.url}/moved.git`;
      await expect(fetchCommits({ cloneUrl: moved, token, wants: [base], range: base, maxCommits: 1, allowLocal: true })).rejects.toMatchObject({ code: 'GIT_FETCH_FAILED' });
      expect(other.requests.filter((r) => r.headers.authorization !== undefined)).toEqual([]);
    } finally {
      await other.close();
    }
  });

  it('never writes the token to the clone', async () => {
    const token = 'ghs_' + 'R'.repeat(36);
    const clone = await fetchCommits({ cloneUrl: repo.url, token, wants: [base], range: base, maxCommits: 1, allowLocal: true });
    try {
      const config = readFileSync(join(clone.dir, 'config'), 'utf8');
      expect(config).not.toContain(token);
      expect(config).not.toContain(Buffer.from(`x-access-token:${token}`).toString('base64'));
      expect(config).not.toMatch(/promisor|partialclone/i);
    } finally {
      await clone.cleanup();
    }
  });
});
