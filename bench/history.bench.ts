// History scan: `keywarden scan --git` against `git log -p` (the floor) over two generated
// repositories: 2,500 commits of small source-like files with planted secrets, and 4,000
// commits that each copy a file out of node_modules (~60 MB of patches, long minified lines
// included: real third-party text, where the keyword prefilter meets the most hits).
// Target: within 1.3x git log -p; peak RSS reported, and flat (half the history should peak
// at about the same).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatToken } from '../src/keyformat/keyFormat.js';
import { isBinary } from '../src/scan/index.js';
import { isToolCache, measure, median, table, type Measured } from './benchUtil.js';

const COMMITS = 2500;
const FILES_PER_COMMIT = 3;
const LINES_PER_FILE = 40;
const PLANT_EVERY = 25;
const RUNS = 5;
const BIN = fileURLToPath(new URL('../bin/keywarden.js', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const REAL_COMMITS = 4000;
const REAL_BYTES = 60 * 1024 * 1024;
const REAL_FILE_MIN = 5 * 1024;
const REAL_FILE_MAX = 512 * 1024;
const TARGET = 1.3;

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

/**
 * A fast-import stream of REAL_COMMITS commits, each adding one text file copied out of the
 * repository's node_modules (chosen by a seeded shuffle, sizes kept on course for REAL_BYTES
 * in all; a file copied again goes to another directory). Undefined when node_modules is
 * missing or holds under a quarter as many files as commits.
 */
export function realCodeStream(): { stream: string; files: number; bytes: number } | undefined {
  const nm = join(ROOT, 'node_modules');
  if (!existsSync(nm)) return undefined;
  const base = realpathSync(nm);
  const candidates: Array<{ path: string; size: number }> = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((x, y) => (x.name < y.name ? -1 : 1))) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (!isToolCache(e.name)) walk(p);
      } else if (e.isFile()) {
        const size = statSync(p).size;
        if (size >= REAL_FILE_MIN && size <= REAL_FILE_MAX) candidates.push({ path: p, size });
      }
    }
  };
  walk(base);
  if (candidates.length < REAL_COMMITS / 4) return undefined;
  const rnd = pseudoRandom(7);
  for (let i = candidates.length - 1; i > 0; i--) {
    const j = rnd() % (i + 1);
    [candidates[i], candidates[j]] = [candidates[j], candidates[i]];
  }
  const parts: string[] = [];
  let bytes = 0;
  let c = 0;
  // Fewer files than commits: later commits copy a file again, to another directory.
  for (let k = 0; c < REAL_COMMITS && k < candidates.length * 4; k++) {
    const f = candidates[k % candidates.length];
    // Keep the running mean on course for REAL_BYTES: skip files far larger than what is left allows.
    if (f.size > (3 * (REAL_BYTES - bytes)) / (REAL_COMMITS - c)) continue;
    const text = readFileSync(f.path);
    if (isBinary(text)) continue;
    c++;
    bytes += text.length;
    const ts = 1_700_000_000 + c * 60;
    const rel = relative(base, f.path);
    parts.push(`commit refs/heads/main\nmark :${c}\ncommitter Dev <dev@example.com> ${ts} +0000\n`);
    const msg = `vendor ${rel}`;
    parts.push(`data ${Buffer.byteLength(msg)}\n${msg}\n`);
    if (c > 1) parts.push(`from :${c - 1}\n`);
    parts.push(`M 100644 inline vendor/${Math.floor(k / candidates.length)}/${rel}\ndata ${text.length}\n`, text.toString('latin1'), '\n');
  }
  return { stream: parts.join(''), files: c, bytes };
}

interface HistoryResult {
  gitMs: number;
  kwMs: number;
  ratio: number;
}

/** Times `git log -p` and `keywarden scan --git` over the repository the stream builds. */
async function measureHistory(title: string, input: string, commits: number, expectLeaks: boolean, describe: (patchBytes: number, findings: number) => string): Promise<HistoryResult> {
  const dir = mkdtempSync(join(tmpdir(), 'kw-bench-history-'));
  try {
    execFileSync('git', ['init', '-q', '-b', 'main', dir]);
    execFileSync('git', ['fast-import', '--quiet'], { cwd: dir, input: Buffer.from(input, 'latin1'), maxBuffer: 1 << 30 });
    const patchBytes = Number(execFileSync('sh', ['-c', 'git log -p | wc -c'], { cwd: dir, encoding: 'utf8' }).trim());

    const git: Measured[] = [];
    const kw: Measured[] = [];
    const scan = (extra: string[] = []): Measured => {
      const r = measure(process.execPath, [BIN, 'scan', '--git', '--no-progress', '-f', 'json', ...extra], dir);
      if (expectLeaks ? r.status !== 1 : r.status !== 0 && r.status !== 1) throw new Error(`keywarden scan --git exited ${r.status}${expectLeaks ? ', expected 1 (leaks planted)' : ''}`);
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
    const half = scan(['--since', `HEAD~${commits / 2}`]);
    const gitMs = median(git.map((m) => m.ms));
    const kwMs = median(kw.map((m) => m.ms));
    const mib = (kb: number | undefined): string => (kb === undefined ? 'n/a' : `${(kb / 1024).toFixed(0)} MiB`);
    const rss = (ms: Measured[]): string => mib(ms[0].maxRssKb === undefined ? undefined : Math.max(...ms.map((m) => m.maxRssKb ?? 0)));
    const cpu = (ms: Measured[]): string | number => (ms[0].cpuMs === undefined ? 'n/a' : median(ms.map((m) => m.cpuMs ?? 0)));
    console.log(`\n--- ${title}`);
    console.log(describe(patchBytes, findings));
    console.log(`median of ${RUNS} runs each; load average ${loadBefore.toFixed(1)} -> ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores (shared: wall figures are noisy, CPU time less so)\n`);
    table([
      ['command', 'wall ms', 'CPU ms', 'MB/s', 'peak RSS', 'findings'],
      ['git log -p (floor)', Math.round(gitMs), cpu(git), ((patchBytes / 1024 / 1024) / (gitMs / 1000)).toFixed(1), rss(git), '-'],
      ['keywarden scan --git', Math.round(kwMs), cpu(kw), ((patchBytes / 1024 / 1024) / (kwMs / 1000)).toFixed(1), rss(kw), findings],
    ]);
    const ratio = kwMs / gitMs;
    console.log(`\nkeywarden / git log -p = ${ratio.toFixed(2)}x (target <= ${TARGET}x: ${ratio <= TARGET ? 'met' : 'NOT met'})`);
    console.log(`peak RSS: ${mib(half.maxRssKb)} for the last ${commits / 2} commits, ${rss(kw)} for all ${commits} (flat: it should not grow with the history)`);
    return { gitMs, kwMs, ratio };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const { stream, planted } = fastImportStream();
  await measureHistory('synthetic source history', stream, COMMITS, true, (patchBytes, findings) =>
    `repo: ${COMMITS} commits, ${COMMITS * FILES_PER_COMMIT} files added, git log -p output ${(patchBytes / 1024 / 1024).toFixed(1)} MiB, ${planted} keys planted, ${findings} found`,
  );
  const real = realCodeStream();
  if (!real) {
    console.log('\n--- real third-party code: skipped (node_modules missing or under 4,000 files)');
    return;
  }
  await measureHistory('real third-party code', real.stream, real.files, false, (patchBytes, findings) =>
    `repo: ${real.files} commits, each adding one file copied out of node_modules (${(real.bytes / 1e6).toFixed(1)} MB of files), git log -p output ${(patchBytes / 1024 / 1024).toFixed(1)} MiB, ${findings} findings`,
  );
}
