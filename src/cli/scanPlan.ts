// Turns `scan` flags into one unambiguous plan, or a usage error (exit 2) that says which
// flags clash and what to do instead.
import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../config/errors.js';
import { parseSize } from '../config/size.js';
import type { ReportFormat } from '../report/model.js';
import type { BlockingPolicy } from '../scan/blocking.js';
import type { Confidence, Severity } from '../scan/types.js';
import type { ScanCommandOptions } from './scanCommand.js';

export type ScanMode = 'directory' | 'history' | 'staged' | 'stdin';

export interface ScanPlan {
  mode: ScanMode;
  /** What the user named: a directory, a file, or a repository. */
  target: string;
  /** The directory git commands run in / the config is looked up from. */
  dir: string;
  since?: string;
  range?: string;
  all?: boolean;
  gitignore: boolean;
  maxFileSize?: number;
  format: ReportFormat;
  output?: string;
  redact: boolean;
  config?: string;
  baseline?: string;
  progress: boolean;
  /** Also list the files skipped as ignored paths. */
  verbose: boolean;
  /** Worker threads; 0 scans in-process; undefined: the mode's default. */
  threads?: number;
  /** Findings below this confidence are not reported. */
  minConfidence?: Confidence;
  /** Which findings make the exit code 1. */
  policy: BlockingPolicy;
}

const usage = (message: string): ConfigError => new ConfigError('INVALID_OPTION', message);

export function planScan(path: string, o: ScanCommandOptions, env: NodeJS.ProcessEnv = process.env): ScanPlan {
  const history = Boolean(o.git || o.since || o.range || o.all);
  if (history && o.staged) throw usage('--staged scans the index, --git/--since/--range/--all scan history: pick one');
  if (o.since && o.range) throw usage('--since and --range both narrow the history: pick one');
  if (path === '-' && (history || o.staged)) throw usage('"-" reads stdin; it cannot be combined with --git or --staged');
  if (!o.redact && env.CI) throw usage('--no-redact is refused when CI is set: reports in CI must never show whole secrets');
  let maxFileSize: number | undefined;
  if (o.maxFileSize !== undefined) {
    maxFileSize = parseSize(o.maxFileSize);
    if (maxFileSize === undefined || maxFileSize === 0) throw usage(`--max-file-size: "${o.maxFileSize}" is not a size; use e.g. 1048576, 512KB or 1MB`);
  }
  let threads: number | undefined;
  if (o.threads !== undefined) {
    threads = Number(o.threads);
    if (!/^\d+$/.test(o.threads) || threads > 64) throw usage(`--threads: "${o.threads}" is not a number of threads from 0 to 64`);
  }
  const mode: ScanMode = path === '-' ? 'stdin' : history ? 'history' : o.staged ? 'staged' : 'directory';
  let dir = resolve(path === '-' ? '.' : path);
  if (mode !== 'stdin') {
    let isDir: boolean;
    try {
      isDir = statSync(dir).isDirectory();
    } catch {
      throw usage(`${path}: no such file or directory`);
    }
    if (!isDir) {
      if (mode !== 'directory') throw usage(`${path}: --git and --staged need a repository directory`);
      dir = dirname(dir);
    }
  }
  return {
    mode,
    target: path,
    dir,
    since: o.since,
    range: o.range,
    all: o.all,
    gitignore: o.gitignore,
    maxFileSize,
    format: o.format as ReportFormat,
    output: o.output,
    redact: o.redact,
    config: o.config,
    baseline: o.baseline,
    minConfidence: o.minConfidence as Confidence | undefined,
    policy: o.failOn ? { failOn: o.failOn as Severity } : {},
    progress: o.progress,
    verbose: o.verbose ?? false,
    threads,
  };
}
