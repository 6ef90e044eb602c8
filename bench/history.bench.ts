// History scan: `keywarden scan --git` against `git log -p` (the floor) over a generated
// repository of 2,500 commits with planted secrets. Target: within 1.5x git log -p; peak RSS
// reported, and flat (half the history should peak at about the same).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatToken } from '../src/keyformat/keyFormat.js';
import { measure, median, table, type Measured } from './benchUtil.js';

const COMMITS = 2500;
const FILES_PER_COMMIT = 3;
const LINES_PER_FILE = 40;
const PLANT_EVERY = 25;
const RUNS = 5;
const BIN = fileURLToPath(new URL('../bin/keywarden.js', import.meta.url));

function pseudoRandom(seed: number): () => number {
  let x = seed >>> 0;
  return () => (x = (Math.imul(x, 1103515245) + 12345) >>> 0);
}

/** A git fast-import stream: each commit adds a few source-like files; some carry a key. */
export function fastImportStream(): { stream: string; planted: number } {
  const rnd = pseudoRandom(42);
  const b62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  const word = (): string => ['config', 'value', 'handler', 'request', 'index', 'result', 'user', 'cache'][rnd() % 8];
  const parts: string[] = [];
  let planted = 0;
  const data = (s: string): string => `data ${Buffer.byteLength(s)}\n${s}\n`;
  for (let c = 1; c <= COMMITS; c++) {
    const ts = 1_700_000_000 + c * 60;
    parts.push(`commit refs/heads/main\nmark :${c}\nauthor Dev ${c % 7} <dev${c % 7}@example.com> ${ts} +0000\ncommitter Dev <dev@example.com> ${ts} +0000\n`);
    parts.push(data(`change ${c}: ${word()} ${word()}`));
    if (c > 1) parts.push(`from :${c - 1}\n`);
    for (let f = 0; f < FILES_PER_COMMIT; f++) {
      const lines: string[] = [];
      for (let l = 0; l < LINES_PER_FILE; l++) {
        lines.push(`  const ${word()}${rnd() % 1000} = ${word()}(${rnd() % 100000}, "${word()}-${word()}"); // ${word()} ${word()}`);
      }
      if (f === 0 && c % PLANT_EVERY === 0) {
        let random = '';
        for (let i = 0; i < 30; i++) random += b62[rnd() % 62];
        lines.splice(rnd() % LINES_PER_FILE, 0, `  const apiKey = "${formatToken('secret', 'live', random)}";`);
        planted++;
      }
      parts.push(`M 100644 inline src/m${c % 50}/file_${c}_${f}.ts\n`, data(lines.join('\n') + '\n'));
    }
  }
  return { stream: parts.join(''), planted };
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'kw-bench-history-'));
  try {
    execFileSync('git', ['init', '-q', '-b', 'main', dir]);
    const { stream, planted } = fastImportStream();
    execFileSync('git', ['fast-import', '--quiet'], { cwd: dir, input: stream, maxBuffer: 1 << 30 });
    const patchBytes = Number(execFileSync('sh', ['-c', 'git log -p | wc -c'], { cwd: dir, encoding: 'utf8' }).trim());

    const git: Measured[] = [];
    const kw: Measured[] = [];
    const scan = (extra: string[] = []): Measured => {
      const r = measure(process.execPath, [BIN, 'scan', '--git', '--no-progress', '-f', 'json', ...extra], dir);
      if (r.status !== 1) throw new Error(`keywarden scan --git exited ${r.status}, expected 1 (leaks planted)`);
      return r;
    };
    // Untimed first runs: git's objects into the page cache, and the rules cache that the
    // first scan after a build writes (as the first scan after an install does).
    measure('git', ['log', '-p'], dir);
    scan();
    const loadBefore = loadavg()[0];
    let findings = -1;
    for (let i = 0; i < RUNS; i++) {
      git.push(measure('git', ['log', '-p'], dir));
      const r = scan();
      findings = (JSON.parse(r.stdout) as { findings: unknown[] }).findings.length;
      kw.push(r);
    }
    // Memory flat: the peak should not grow with the length of the history scanned.
    const half = scan(['--since', `HEAD~${COMMITS / 2}`]);
    const gitMs = median(git.map((m) => m.ms));
    const kwMs = median(kw.map((m) => m.ms));
    const mib = (kb: number | undefined): string => (kb === undefined ? 'n/a' : `${(kb / 1024).toFixed(0)} MiB`);
    const rss = (ms: Measured[]): string => mib(ms[0].maxRssKb === undefined ? undefined : Math.max(...ms.map((m) => m.maxRssKb ?? 0)));
    const cpu = (ms: Measured[]): string | number => (ms[0].cpuMs === undefined ? 'n/a' : median(ms.map((m) => m.cpuMs ?? 0)));
    console.log(`repo: ${COMMITS} commits, ${COMMITS * FILES_PER_COMMIT} files added, git log -p output ${(patchBytes / 1024 / 1024).toFixed(1)} MiB, ${planted} keys planted`);
    console.log(`median of ${RUNS} runs each; load average ${loadBefore.toFixed(1)} -> ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores (shared: wall figures are noisy, CPU time less so)\n`);
    table([
      ['command', 'wall ms', 'CPU ms', 'MB/s', 'peak RSS', 'findings'],
      ['git log -p (floor)', Math.round(gitMs), cpu(git), ((patchBytes / 1024 / 1024) / (gitMs / 1000)).toFixed(1), rss(git), '-'],
      ['keywarden scan --git', Math.round(kwMs), cpu(kw), ((patchBytes / 1024 / 1024) / (kwMs / 1000)).toFixed(1), rss(kw), findings],
    ]);
    const ratio = kwMs / gitMs;
    console.log(`\nkeywarden / git log -p = ${ratio.toFixed(2)}x (target <= 1.5x: ${ratio <= 1.5 ? 'met' : 'NOT met'}); found ${findings} of ${planted} planted keys`);
    console.log(`peak RSS: ${mib(half.maxRssKb)} for the last ${COMMITS / 2} commits, ${rss(kw)} for all ${COMMITS} (flat: it should not grow with the history)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
