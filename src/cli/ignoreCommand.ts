// `keywarden ignore --last`: accept the last scan's findings by writing their fingerprints
// into .keywardenignore, each under a comment naming its file, line and rule, and print how
// many per rule. The pre-commit flow then is: commit blocked, `keywarden ignore --last`,
// review the diff of .keywardenignore, commit again.
import type { Command } from 'commander';

export function registerIgnoreCommand(program: Command): void {
  program
    .command('ignore')
    .description('add findings to .keywardenignore (--last: those of the last scan or blocked commit)')
    .argument('[repo]', 'repository (or scanned directory)', '.')
    .option('--last', 'the findings of the last `keywarden scan` here, including the pre-commit hook\'s')
    .exitOverride()
    .action(async (repo: string, opts: { last?: boolean }) => {
      const { ConfigError } = await import('../config/errors.js');
      if (!opts.last) throw new ConfigError('INVALID_OPTION', 'say which findings to ignore: keywarden ignore --last');
      const { join, relative } = await import('node:path');
      const { findRepoRoot } = await import('../config/configFile.js');
      const { appendToIgnoreFile, IGNORE_FILE } = await import('../config/ignoreFile.js');
      const { readLastScan } = await import('../config/lastScan.js');
      const root = findRepoRoot(repo);
      const last = readLastScan(root);
      const byFingerprint = new Map<string, { fingerprint: string; path: string; lines: number[]; ruleId: string; commit?: string }>();
      for (const f of last.findings) {
        const entry = byFingerprint.get(f.fingerprint);
        if (entry) {
          if (!entry.lines.includes(f.line)) entry.lines.push(f.line);
        } else byFingerprint.set(f.fingerprint, { fingerprint: f.fingerprint, path: f.path, lines: [f.line], ruleId: f.ruleId, ...(f.commit ? { commit: f.commit } : {}) });
      }
      const file = join(root, IGNORE_FILE);
      const shown = relative(process.cwd(), file) || IGNORE_FILE;
      const added = appendToIgnoreFile(file, [...byFingerprint.values()], `added by keywarden ignore --last (scan of ${last.scannedAt})`);
      if (added.length === 0) {
        process.stdout.write(last.findings.length === 0 ? 'keywarden: the last scan found nothing to ignore\n' : `keywarden: every finding of the last scan is already in ${shown}\n`);
        return;
      }
      const perRule = new Map<string, number>();
      for (const e of added) perRule.set(e.ruleId, (perRule.get(e.ruleId) ?? 0) + 1);
      const width = Math.max(...[...perRule.values()].map((n) => String(n).length));
      const lines = [...perRule].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([rule, n]) => `  ${String(n).padStart(width)}  ${rule}`);
      process.stdout.write(
        `keywarden: added ${added.length} fingerprint${added.length === 1 ? '' : 's'} to ${shown}, by rule:\n${lines.join('\n')}\n` +
          `Review them (git diff ${shown}): each silences that secret in that file, whatever rule reports it.\n`,
      );
    });
}
