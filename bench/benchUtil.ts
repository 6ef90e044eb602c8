// Shared by the CLI benchmarks: run a command, measure wall time and peak RSS.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Measured {
  ms: number;
  /** Peak resident set size in KiB, when /usr/bin/time is available. */
  maxRssKb?: number;
  /** User + system CPU time in ms (all threads and child processes), when /usr/bin/time is available. */
  cpuMs?: number;
  status: number | null;
  stdout: string;
}

const TIME = '/usr/bin/time';

/** Runs a command (stdout captured, stderr discarded) and measures it. */
export function measure(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Measured {
  const useTime = existsSync(TIME);
  const dir = mkdtempSync(join(tmpdir(), 'kw-bench-time-'));
  const rssFile = join(dir, 'rss');
  const [bin, argv] = useTime ? [TIME, ['-f', '%M %U %S', '-o', rssFile, cmd, ...args]] : [cmd, args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(bin, argv, { cwd, env, encoding: 'utf8', maxBuffer: 1024 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  let maxRssKb: number | undefined;
  let cpuMs: number | undefined;
  if (useTime) {
    const lines = readFileSync(rssFile, 'utf8').trim().split('\n');
    const [rss, user, sys] = (lines.at(-1) ?? '').split(' ').map(Number);
    maxRssKb = rss;
    cpuMs = Math.round((user + sys) * 1000);
  }
  rmSync(dir, { recursive: true, force: true });
  return { ms, maxRssKb, cpuMs, status: r.status, stdout: r.stdout };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export function table(rows: (string | number)[][]): void {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  for (const r of rows) console.log(r.map((c, i) => (typeof c === 'number' ? String(c).padStart(widths[i]) : String(c).padEnd(widths[i]))).join('  '));
}

/**
 * Directories under node_modules that tools rewrite as they run (vitest's results cache in
 * `.vite`): left out of the real-code corpora, so one bench run sees the same files as the next.
 */
export function isToolCache(name: string): boolean {
  return name === '.vite' || name === '.cache';
}
