// Placeholder seam: the CLI issue replaces this module with the real `scan` command.
import type { Command } from 'commander';

export function registerScanCommand(program: Command): void {
  program
    .command('scan')
    .description('scan files, git history, staged changes or stdin for leaked keys')
    .action(() => {
      throw new Error('scan is not built yet');
    });
}
