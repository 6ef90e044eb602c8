// `keywarden scan`, the work: plan -> config and rules -> source -> engine -> report.
// Returns the exit code: 0 no leaks, 1 leaks found (usage/runtime errors throw: exit 2).
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { readBaseline } from '../config/baseline.js';
import { effectiveRules } from '../config/effectiveRules.js';
import { cachedBuiltinRuleFiles } from '../config/builtinRuleFiles.js';
import { defaultConfig, findConfigFile, findRepoRoot } from '../config/configFile.js';
import { IGNORE_FILE, readIgnoreFile } from '../config/ignoreFile.js';
import { writeLastScan } from '../config/lastScan.js';
import type { KeywardenConfig } from '../config/loadConfig.js';
import type { RuleFileConfig } from '../scan/ruleConfig.js';
import { atLeastConfidence, sortFindings, type ScanReport } from '../report/model.js';
import { summaryLine } from '../report/summary.js';
import { blockingFindings } from '../scan/blocking.js';
import type { ScannerOptions } from '../scan/scanner.js';
import { directoryEngineChoice, startScanEngine } from './scanEngine.js';
import { startProgress } from './progress.js';
import { ownFilePaths } from './ownFiles.js';
import { renderFor } from './renderFor.js';
import type { ScanCommandOptions } from './scanCommand.js';
import { planScan, type ScanMode, type ScanPlan } from './scanPlan.js';
import { itemBatchesFor, listPlanDirectory, startHistory, startStaged, type StartedSource } from './scanSource.js';
import { scanItems, type ScanTotals } from './scanLoop.js';

const DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024;

/** `early`: the staged source, if the caller already started git (see main.ts). */
export async function runScan(path: string, options: ScanCommandOptions, early?: StartedSource): Promise<number> {
  // hrtime, not performance.now(): the global `performance` loads perf_hooks (~1.5 ms of hook start-up).
  const started = process.hrtime.bigint();
  const plan = planScan(path, options);
  if (!plan.redact) process.stderr.write('keywarden: warning: --no-redact shows whole secrets; never share this output\n');

  // git computes the staged diff or the history's patches on the other core while we build
  // the rules.
  const counters = { commits: 0 };
  const gitSource = plan.mode === 'staged' ? (early ?? (await startStaged(plan))) : plan.mode === 'history' ? await startHistory(plan, counters) : undefined;

  const root = findRepoRoot(plan.dir);
  const config = await userConfig(plan.config ?? findConfigFile(root), root);
  const rules = effectiveRules(await builtinRuleFiles(), config);
  const ignored = await readIgnoreFile(join(root, IGNORE_FILE));
  if (plan.baseline) ignored.push(...(await readBaseline(plan.baseline)));
  const maxFileSize = plan.maxFileSize ?? config.limits.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
  const scannerOptions: ScannerOptions = {
    maxFragmentBytes: config.limits.maxFragmentBytes ?? Math.max(maxFileSize, 1),
    decodeDepth: config.limits.decodeDepth,
    ignoreFingerprints: ignored,
    ignoreGlobs: config.ignorePaths,
    skipPaths: ownFilePaths(plan, root),
  };
  const ignorePath = await pathFilter(config.ignorePaths, scannerOptions.skipPaths ?? []);

  // A directory is listed first: its estimated size decides whether workers start at once.
  const listing = plan.mode === 'directory' && plan.threads === undefined ? await listPlanDirectory(plan, maxFileSize) : undefined;
  const choice = plan.mode === 'directory' ? directoryEngineChoice(plan.threads, listing?.estimatedBytes) : { threads: plan.threads ?? (plan.mode === 'history' ? defaultThreads() : 0) };
  const engine = await startScanEngine(rules, scannerOptions, choice);
  const scan = engine.scan;
  const progress = await startProgress(plan.progress && (plan.mode === 'history' || plan.mode === 'directory'));
  let totals: ScanTotals;
  try {
    totals = await scanItems(itemBatchesFor({ ...plan, maxFileSize }, ignorePath, counters, gitSource ?? listing), scan, (t) => progress.update(t.files, t.bytes, counters.commits));
  } finally {
    progress.stop();
    await engine.close();
  }
  const { skipped, files, bytes } = totals;
  const findings = sortFindings(atLeastConfidence(totals.findings, plan.minConfidence));

  const report: ScanReport = {
    findings,
    skipped,
    policy: plan.policy,
    stats: {
      files,
      bytes,
      skipped: skipped.length,
      durationMs: Number(process.hrtime.bigint() - started) / 1e6,
      ...(plan.mode === 'history' ? { commits: counters.commits } : {}),
    },
  };
  // An empty index (`git commit --allow-empty`, or only deletions staged): nothing to say.
  const nothingStaged = plan.mode === 'staged' && files === 0 && skipped.length === 0;
  if (!(nothingStaged && reportIsTerminalText(plan))) await writeReport(plan, report);
  if (!reportIsTerminalText(plan)) process.stderr.write(`${summaryLine(report)}\n`);
  if ((files === 0 || bytes === 0) && plan.mode !== 'staged') process.stderr.write(`keywarden: warning: scanned nothing (${files} files, ${bytes} bytes) — ${emptyHint(plan.mode, plan.target)}\n`);
  if (plan.mode !== 'stdin') writeLastScan(root, findings);
  const blocking = blockingFindings(findings, plan.policy);
  if (blocking.length > 0 && plan.mode === 'staged') {
    process.stderr.write(
      `keywarden: commit blocked: ${blocking.length} leaked key${blocking.length === 1 ? '' : 's'} in the staged changes (see above). ` +
        'Remove them, or allowlist a false positive with keywarden:allow on its line or its fingerprint in .keywardenignore ' +
        '(keywarden ignore --last adds them all).\n',
    );
  }
  return blocking.length > 0 ? 1 : 0;
}

// The TOML parser is loaded only when there is a config file to parse or the rules cache
// is stale: the common pre-commit run has neither.
async function userConfig(file: string | undefined, rootDir: string): Promise<KeywardenConfig> {
  if (file === undefined) return defaultConfig();
  const { loadConfig } = await import('../config/loadConfig.js');
  return loadConfig({ explicit: file, rootDir });
}

async function builtinRuleFiles(): Promise<RuleFileConfig[]> {
  return cachedBuiltinRuleFiles() ?? (await import('../config/loadRules.js')).loadBuiltinRuleFiles();
}

/** The text report on stdout ends with the summary line; any other report gets it on stderr. */
function reportIsTerminalText(plan: ScanPlan): boolean {
  return plan.format === 'text' && plan.output === undefined;
}

async function writeReport(plan: ScanPlan, report: ScanReport): Promise<void> {
  const color = !plan.output && plan.format === 'text' && Boolean(process.stdout.isTTY) && !('NO_COLOR' in process.env);
  const text = await renderFor(plan, report, color);
  if (plan.output) writeFileSync(plan.output, text);
  else await new Promise<void>((resolve, reject) => process.stdout.write(text, (err) => (err ? reject(err) : resolve())));
}

async function pathFilter(globs: string[], exact: string[]): Promise<((path: string) => boolean) | undefined> {
  const skip = new Set(exact);
  // minimatch only when there are globs: it costs the pre-commit hook 15-20 ms to load.
  if (globs.length === 0) return skip.size === 0 ? undefined : (p) => skip.has(p);
  const { Minimatch } = await import('minimatch');
  const matchers = globs.map((g) => new Minimatch(g, { dot: true, matchBase: !g.includes('/') }));
  return (p) => skip.has(p) || matchers.some((m) => m.match(p));
}

/** Staged scans say nothing: an empty index is an ordinary state (`git commit --allow-empty`). */
function emptyHint(mode: Exclude<ScanMode, 'staged'>, target: string): string {
  switch (mode) {
    case 'history':
      return 'does the repository or range have commits with added text?';
    case 'stdin':
      return 'was anything piped in?';
    case 'directory':
      return `does ${target} contain text files that are not gitignored (--no-gitignore), binary or too large?`;
  }
}

/**
 * Worker threads pay off only when cores are left over: git log and the main thread (which
 * parses its output) already keep about two busy. Measured on 2 cores: no gain, more memory.
 */
function defaultThreads(): number {
  const cores = availableParallelism();
  return cores >= 4 ? Math.min(cores - 2, 8) : 0;
}
