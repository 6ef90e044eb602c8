// The engine against its peers on real third-party text: the project's node_modules,
// copied to a temp dir (text files <= 1 MB, up to ~150 MB). Prints one table:
// keywarden single-threaded and with the worker pool, secretlint's recommended preset twice
// (in-process, time-capped, and its CLI as users run it, on a 10 MB slice), and `grep -rEi`
// over the union of keywarden's keywords as the floor. Figures are wall-clock on a shared
// machine: noisy; CPU time is printed beside them.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBuiltinRuleFiles, loadBuiltinRules } from '../src/config/loadRules.js';
import { isToolCache } from './benchUtil.js';
import { buildRuleSet, isBinary, ParallelScanner, Scanner, type RuleFileConfig, type RuleSet } from '../src/scan/index.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MAX_FILE = 1024 * 1024;
const CORPUS_CAP = 150 * 1024 * 1024;
const SECRETLINT_CAP_MS = 60_000;
const SECRETLINT_CLI_BYTES = 10 * 1024 * 1024;

interface Corpus {
  dir: string;
  files: string[];
  bytes: number;
}

function buildCorpus(): Corpus {
  const dir = mkdtempSync(join(tmpdir(), 'kw-bench-'));
  const files: string[] = [];
  let bytes = 0;
  const walk = (d: string): boolean => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (isToolCache(e.name)) continue;
        if (!walk(p)) return false;
      } else if (e.isFile()) {
        const size = statSync(p).size;
        if (size === 0 || size > MAX_FILE) continue;
        const buf = readFileSync(p);
        if (isBinary(buf)) continue;
        const rel = relative(ROOT, p);
        const out = join(dir, rel);
        mkdirSync(dirname(out), { recursive: true });
        writeFileSync(out, buf);
        files.push(out);
        bytes += size;
        if (bytes >= CORPUS_CAP) return false;
      }
    }
    return true;
  };
  walk(join(ROOT, 'node_modules'));
  return { dir, files, bytes };
}

interface Row {
  tool: string;
  bytes: number;
  ms: number;
  /** CPU time (user + system, all threads): what the work costs when the CPU is shared. */
  cpuMs: number;
  findings: number | string;
  note?: string;
}

const mb = (b: number) => b / 1e6;
const rate = (r: Row) => mb(r.bytes) / (r.ms / 1000);
const cpuRate = (r: Row) => mb(r.bytes) / (r.cpuMs / 1000);
const cpuNow = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** One timed pass of an in-process scanner over the corpus, reading each file as the CLI does. */
function singlePass(c: Corpus, scanner: Scanner, tool: string): Row {
  const start = performance.now();
  const cpu = cpuNow();
  let findings = 0;
  for (const f of c.files) findings += scanner.scanFragment({ path: relative(c.dir, f), text: readFileSync(f) }).findings.length;
  return { tool, bytes: c.bytes, ms: performance.now() - start, cpuMs: cpuNow() - cpu, findings };
}

/**
 * The first pass is what a one-off CLI scan gets (regexes compile on first use, the JIT warms
 * up); the best of three is the steady state of a long-running scanner (the GitHub App's).
 */
function keywardenSingle(c: Corpus, rules: RuleSet): Row[] {
  const scanner = new Scanner(rules);
  const first = singlePass(c, scanner, 'keywarden (1 thread, first pass)');
  const later = [singlePass(c, scanner, ''), singlePass(c, scanner, '')];
  const best = later.reduce((a, b) => (b.ms < a.ms ? b : a));
  return [first, { ...best, tool: 'keywarden (1 thread, best of passes 2-3)' }];
}

/**
 * Reading every file and nothing else (after the passes above, so from the page cache): no
 * scanner reading its input this way can run faster, whatever it does with the bytes.
 */
function readFloor(c: Corpus): Row {
  const start = performance.now();
  const cpu = cpuNow();
  let bytes = 0;
  for (const f of c.files) bytes += readFileSync(f).length;
  return { tool: 'read every file, no scanning (I/O floor)', bytes, ms: performance.now() - start, cpuMs: cpuNow() - cpu, findings: '-' };
}

/** Below this many built-in rules, the bench also runs a synthetic set of twice the rules. */
const TWIN_BELOW = 880;

/**
 * Every built-in rule plus a twin: same regex, id `<id>--twin`, and its keywords reversed
 * (`ghp_` -> `_phg`), so the keyword Set doubles with distinct literals and each twin's regex
 * runs only where its own keywords occur, as a new provider's rule with its own prefix would.
 */
export function twinnedRuleFiles(files: RuleFileConfig[]): RuleFileConfig[] {
  const rev = (k: string) => [...k].reverse().join('');
  return [
    ...files,
    ...files.map((f) => ({
      ...f,
      file: `${f.file} (twins)`,
      allowlists: [],
      rules: f.rules.map((r) => ({ ...r, id: `${r.id}--twin`, keywords: r.keywords.map((k) => (rev(k) === k ? `${k}~` : rev(k))) })),
    })),
  ];
}

async function keywardenPool(c: Corpus, rules: RuleSet | { files: RuleFileConfig[] } = loadBuiltinRules(), label = ''): Promise<Row[]> {
  const threads = availableParallelism();
  const pool = new ParallelScanner(rules, {}, { threads, transferText: true });
  // Worker start-up (module load, rule set) stays out of the timed passes.
  await Promise.all(c.files.slice(0, threads * 4).map((f) => pool.scanFragment({ path: f, text: readFileSync(f) })));
  const pass = async (tool: string): Promise<Row> => {
    const start = performance.now();
    const cpu = cpuNow();
    const results = await Promise.all(c.files.map((f) => pool.scanFragment({ path: relative(c.dir, f), text: readFileSync(f) })));
    return { tool, bytes: c.bytes, ms: performance.now() - start, cpuMs: cpuNow() - cpu, findings: results.reduce((n, r) => n + r.findings.length, 0) };
  };
  const rows = [await pass(`keywarden (pool, ${threads} threads, first pass${label})`), await pass(`keywarden (pool, ${threads} threads, second pass${label})`)];
  await pool.close();
  return rows;
}

/** secretlint's in-process API, time-capped, in a child process (see secretlintInProcess.ts). */
function secretlint(c: Corpus): Row {
  const list = join(c.dir, '..', `kw-bench-files-${process.pid}.txt`);
  writeFileSync(list, c.files.join('\n'));
  try {
    // The same loader flags (tsx) as this process, so the child runs TypeScript too.
    const script = fileURLToPath(new URL('./secretlintInProcess.ts', import.meta.url));
    const r = spawnSync(process.execPath, [...process.execArgv, script, list, String(SECRETLINT_CAP_MS)], { encoding: 'utf8', maxBuffer: 1 << 20 });
    if (r.status !== 0) throw new Error(`secretlint in-process run failed (${r.status ?? r.signal}): ${r.stderr.slice(-2000)}`);
    const { bytes, ms, cpuMs, findings, done } = JSON.parse(r.stdout) as { bytes: number; ms: number; cpuMs: number; findings: number; done: number };
    const note = done < c.files.length ? `stopped at the ${SECRETLINT_CAP_MS / 1000}s cap after ${done}/${c.files.length} files` : undefined;
    return { tool: 'secretlint in-process lintSource (preset-recommend)', bytes, ms, cpuMs, findings, note };
  } finally {
    rmSync(list, { force: true });
  }
}

/**
 * secretlint as its users run it: the `secretlint` command with a .secretlintrc.json naming
 * the recommended preset, over a glob. It is far slower than the in-process API, so it gets a
 * slice of the corpus (SECRETLINT_CLI_BYTES, copied to its own directory) and one run, start-up
 * included, as a scan of a repository would.
 */
function secretlintCli(c: Corpus): Row {
  const dir = join(c.dir, '..', `kw-bench-secretlint-${process.pid}`);
  let bytes = 0;
  for (const f of c.files) {
    if (bytes >= SECRETLINT_CLI_BYTES) break;
    // secretlint's glob leaves node_modules out, so the copies live under another name.
    const out = join(dir, 'files', relative(c.dir, f).replaceAll('node_modules', 'nm'));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, readFileSync(f));
    bytes += statSync(f).size;
  }
  writeFileSync(join(dir, '.secretlintrc.json'), JSON.stringify({ rules: [{ id: '@secretlint/secretlint-rule-preset-recommend' }] }));
  const bin = join(ROOT, 'node_modules', '.bin', 'secretlint');
  const start = performance.now();
  const r = spawnSync('bash', ['-c', 'TIMEFORMAT="%U %S"; time "$0" "files/**/*" --format json >out.json', bin], { cwd: dir, encoding: 'utf8', timeout: SECRETLINT_CAP_MS });
  const ms = performance.now() - start;
  const times = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  let findings: number | string = 'n/a';
  try {
    findings = (JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as Array<{ messages: unknown[] }>).reduce((n, f) => n + f.messages.length, 0);
  } catch {
    // killed by the cap, or no JSON
  }
  rmSync(dir, { recursive: true, force: true });
  const note = r.signal ? `killed at the ${SECRETLINT_CAP_MS / 1000}s cap` : `first ${mb(bytes).toFixed(0)} MB of the corpus, one run, start-up included`;
  return { tool: 'secretlint CLI (preset-recommend)', bytes, ms, cpuMs: (times[0] + times[1]) * 1000 || ms, findings, note };
}

function grepFloor(c: Corpus): Row {
  const keywords = [...new Set(loadBuiltinRules().rules.flatMap((r) => r.config.keywords))];
  const patternFile = join(c.dir, '..', `kw-bench-keywords-${process.pid}.txt`);
  writeFileSync(patternFile, keywords.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('\n') + '\n');
  const start = performance.now();
  const r = spawnSync('bash', ['-c', 'TIMEFORMAT="%U %S"; time grep -rEic -f "$0" "$1"', patternFile, c.dir], { maxBuffer: 1 << 28, encoding: 'utf8' });
  const ms = performance.now() - start;
  const [user, sys] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  const cpuMs = (user + sys) * 1000;
  rmSync(patternFile, { force: true });
  const lines = r.stdout.split('\n').reduce((n, l) => n + (Number(l.slice(l.lastIndexOf(':') + 1)) || 0), 0);
  return { tool: `grep -rEic (${keywords.length} keywords)`, bytes: c.bytes, ms, cpuMs, findings: `${lines} lines`, note: 'keyword lines, not findings' };
}

/**
 * The main job as users run it: `keywarden scan DIR`, start-up, file listing and report
 * included, with its default engine (in-process, then a worker pool once the tree proves big).
 */
function keywardenCli(c: Corpus): Row {
  const bin = join(ROOT, 'bin', 'keywarden.js');
  const start = performance.now();
  const r = spawnSync('bash', ['-c', 'TIMEFORMAT="%U %S"; time "$0" "$1" scan "$2" --no-progress -f json', process.execPath, bin, c.dir], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const ms = performance.now() - start;
  if (r.status !== 0 && r.status !== 1) throw new Error(`keywarden scan exited ${r.status}: ${r.stderr.slice(-1000)}`);
  const [user, sys] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
  const findings = (JSON.parse(r.stdout) as { findings: unknown[] }).findings.length;
  return { tool: 'keywarden scan DIR (the command, start-up included)', bytes: c.bytes, ms, cpuMs: (user + sys) * 1000, findings, note: 'one run, default threads' };
}

/**
 * Crafted input: text built to make a regex engine or a keyword automaton work hard (keyword
 * prefixes repeated inside one endless word, nested-quantifier bait, a multi-megabyte line). Linear-time
 * matching shows as a steady MB/s; a backtracking engine would not finish.
 */
function crafted(rules: RuleSet): void {
  let seed = 1;
  const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  const AN = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const word = (prefix: string, gap: number) => {
    let s = '';
    while (s.length < 2_000_000) {
      s += prefix;
      for (let k = rand(gap); k > 0; k--) s += AN[rand(AN.length)];
    }
    return s;
  };
  const cases: Array<[string, string]> = [
    ['"EAA" + up to 20 letters, no spaces', word('EAA', 20)],
    ['"ghp_" + up to 36 letters, no spaces', word('ghp_', 36)],
    ['password=" repeated, never closed', 'password="'.repeat(200_000)],
    ['"a" x 2 MB + "!" (nested-quantifier bait)', `${'a'.repeat(2_000_000)}!`],
    ['base64 of random letters, one line', Buffer.from(word('', 1000)).toString('base64')],
  ];
  const scanner = new Scanner(rules);
  console.log('');
  console.log('| crafted input | MB | ms | MB/s |');
  console.log('|---|---:|---:|---:|');
  for (const [name, text] of cases) {
    const bytes = Buffer.from(text);
    const start = performance.now();
    scanner.scanFragment({ path: 'crafted.txt', text: bytes });
    const ms = performance.now() - start;
    console.log(`| ${name} | ${mb(bytes.length).toFixed(1)} | ${ms.toFixed(0)} | ${(mb(bytes.length) / (ms / 1000)).toFixed(1)} |`);
  }
}

/** The same passes with every rule twinned: what the engine costs with twice the rules. */
async function twinned(c: Corpus, bestBuiltin: number): Promise<void> {
  const files = twinnedRuleFiles(loadBuiltinRuleFiles());
  const set = buildRuleSet(files);
  const label = `, ${set.rules.length} rules`;
  const singles = keywardenSingle(c, set).map((r) => ({ ...r, tool: r.tool.replace(')', `${label})`) }));
  const pools = await keywardenPool(c, { files }, label);
  console.log('');
  console.log(`twice the rules (synthetic: each built-in rule twinned with its keywords reversed; ${set.keywords ? new Set(set.rules.flatMap((r) => r.config.keywords)).size : 0} keywords):`);
  console.log('| tool | MB | wall s | MB/s (wall) | CPU s | MB per CPU-s | findings |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const r of [...singles, ...pools]) console.log(`| ${r.tool} | ${mb(r.bytes).toFixed(1)} | ${(r.ms / 1000).toFixed(2)} | ${rate(r).toFixed(1)} | ${(r.cpuMs / 1000).toFixed(2)} | ${cpuRate(r).toFixed(1)} | ${r.findings} |`);
  console.log(`with ${set.rules.length} rules: best ${Math.max(rate(singles[1]), rate(pools[1])).toFixed(1)} MB/s wall warm (target >= 150; ${bestBuiltin.toFixed(1)} with the built-in rules in this run), ${cpuRate(singles[1]).toFixed(1)} MB per CPU-second single-threaded`);
}

export async function run(): Promise<void> {
  const t = performance.now();
  const corpus = buildCorpus();
  console.log(`corpus: ${corpus.files.length} text files, ${mb(corpus.bytes).toFixed(1)} MB from node_modules (copied in ${((performance.now() - t) / 1000).toFixed(1)}s)`);
  let loadMs = performance.now();
  loadBuiltinRules();
  loadMs = performance.now() - loadMs;
  try {
    const rules = loadBuiltinRules();
    const singles = keywardenSingle(corpus, rules);
    const pools = await keywardenPool(corpus);
    const rows: Row[] = [...singles, ...pools, keywardenCli(corpus), secretlint(corpus), secretlintCli(corpus), grepFloor(corpus), readFloor(corpus)];
    const [single, pool, sl, slCli, grep, read] = [singles[1], pools[1], rows[5], rows[6], rows[7], rows[8]];
    const firstBest = Math.max(rate(singles[0]), rate(pools[0]));
    console.log('');
    console.log('| tool | MB | wall s | MB/s (wall) | CPU s | MB per CPU-s | findings | note |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---|');
    for (const r of rows) {
      console.log(
        `| ${r.tool} | ${mb(r.bytes).toFixed(1)} | ${(r.ms / 1000).toFixed(2)} | ${rate(r).toFixed(1)} | ${(r.cpuMs / 1000).toFixed(2)} | ${cpuRate(r).toFixed(1)} | ${r.findings} | ${r.note ?? ''} |`,
      );
    }
    const best = Math.max(rate(single), rate(pool));
    console.log('');
    console.log(`keywarden best ${best.toFixed(1)} MB/s wall warm, ${firstBest.toFixed(1)} MB/s on a first pass (target >= 150); ${cpuRate(single).toFixed(1)} MB per CPU-second single-threaded`);
    console.log(`keywarden / secretlint in-process: ${(best / rate(sl)).toFixed(1)}x wall, ${(cpuRate(single) / cpuRate(sl)).toFixed(1)}x per CPU-second (target >= 300x)`);
    console.log(`keywarden / secretlint CLI: ${(best / rate(slCli)).toFixed(1)}x wall, ${(cpuRate(single) / cpuRate(slCli)).toFixed(1)}x per CPU-second (target >= 300x)`);
    console.log(`keywarden / grep floor: ${(best / rate(grep)).toFixed(2)}x wall, ${(cpuRate(single) / cpuRate(grep)).toFixed(2)}x per CPU-second`);
    // 300x secretlint would mean scanning faster than these files can be read.
    console.log(`300x secretlint would be ${(rate(sl) * 300).toFixed(0)} MB/s (in-process) or ${(rate(slCli) * 300).toFixed(0)} MB/s (command); reading the files alone runs at ${rate(read).toFixed(0)} MB/s`);
    if (rules.rules.length < TWIN_BELOW) await twinned(corpus, best);
    crafted(rules);
    console.log('');
    console.log(`built-in rules: ${loadBuiltinRules().rules.length}, first load ${loadMs.toFixed(0)} ms; load average ${execFileSync('cat', ['/proc/loadavg']).toString().trim()}`);
  } finally {
    rmSync(corpus.dir, { recursive: true, force: true });
  }
}
