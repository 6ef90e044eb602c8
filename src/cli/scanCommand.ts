// `keywarden scan`: registers the options only. The work (and every heavy import) is in
// runScan.ts, loaded when the command runs, so `--help` and other commands stay fast.
import { Command, Option } from 'commander';

export interface ScanCommandOptions {
  git?: boolean;
  since?: string;
  range?: string;
  all?: boolean;
  staged?: boolean;
  gitignore: boolean;
  maxFileSize?: string;
  format: string;
  output?: string;
  redact: boolean;
  config?: string;
  baseline?: string;
  progress: boolean;
  threads?: string;
  verbose?: boolean;
  minConfidence?: string;
  failOn?: string;
}

export function registerScanCommand(program: Command): void {
  program
    .command('scan')
    .description('scan files, git history, staged changes or stdin for leaked keys')
    .argument('[path]', 'directory or file to scan (the repository with --git / --staged; "-" reads stdin)', '.')
    .option('--git', 'scan the added lines of every commit in the history (git log -p)')
    .option('--since <rev>', 'history scan: only commits after REV (REV..HEAD); implies --git')
    .option('--range <A..B>', 'history scan: only commits in the range; implies --git')
    .option('--all', 'history scan: every ref, not only HEAD; implies --git')
    .option('--staged', 'scan only what `git diff --cached` adds (pre-commit mode)')
    .option('--no-gitignore', 'directory scan: include files that .gitignore excludes')
    .option('--max-file-size <size>', 'skip (and report) files larger than this, e.g. 1MB (default 10MB)')
    .addOption(new Option('-f, --format <format>', 'report format').choices(['text', 'json', 'sarif', 'csv']).default('text'))
    .option('-o, --output <file>', 'write the report to FILE instead of stdout')
    .option('--no-redact', 'show whole secrets in the text report (local debugging only; refused when CI is set)')
    .option('-c, --config <file>', 'config file (default: keywarden.toml or .keywarden.toml at the repo root; .gitleaks.toml works)')
    .option('--baseline <report.json>', 'report only findings whose fingerprint is not in this json report')
    .option(
      '--threads <n>',
      'scan in N worker threads; 0 scans in-process. Default: automatic. A directory scan of 48 MB or more ' +
        '(estimated) gets one thread per core from the start, a smaller one starts in-process and moves to them ' +
        'after 16 MB; --git uses cores - 2 when there are 4 or more cores, else in-process; --staged is in-process',
    )
    .addOption(
      new Option('--min-confidence <level>', 'report only findings of this confidence or higher (high: checksum or provider prefix; medium: keyword context; low: catch-alls)')
        .choices(['low', 'medium', 'high']),
    )
    .addOption(
      new Option('--fail-on <severity>', 'exit 1 only for leaks of this severity or higher (default: any leak; public keys never fail)')
        .choices(['critical', 'high', 'medium', 'low', 'info']),
    )
    .option('--verbose', 'also list the files skipped because config ignorePaths or an allowlist excludes them')
    .option('--no-progress', 'never show the progress bar (it only shows on a terminal anyway)')
    // Usage errors must exit 2 (main.ts maps commander errors); subcommands do not inherit
    // exitOverride when main sets it after registering them.
    .exitOverride()
    .addHelpText(
      'after',
      '\nExit codes: 0 no leaks, 1 leaks found (at or above --fail-on), 2 usage or runtime error.\n' +
        'Findings listed in .keywardenignore (fingerprints) or on a line containing keywarden:allow are not reported.',
    )
    .action(async (path: string, options: ScanCommandOptions) => {
      const { runScan } = await import('./runScan.js');
      process.exitCode = await runScan(path, options);
    });
}
