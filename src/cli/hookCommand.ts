// `keywarden hook install|uninstall`: the git pre-commit hook. Logic in hookInstall.ts.
import type { Command } from 'commander';

export function registerHookCommand(program: Command): void {
  const hook = program
    .command('hook')
    .description('install or remove the git pre-commit hook that runs `keywarden scan --staged`')
    .exitOverride();
  hook
    .command('install')
    .description('write the pre-commit hook (honours core.hooksPath)')
    .argument('[repo]', 'repository directory', '.')
    .option('--force', 'replace an existing hook that is not keywarden\'s (it is kept as pre-commit.keywarden-backup)')
    .option('--chain', 'keep an existing hook and run it before keywarden')
    .exitOverride()
    .action(async (repo: string, opts: { force?: boolean; chain?: boolean }) => {
      const { installHook } = await import('./hookInstall.js');
      if (opts.force && opts.chain) throw new Error('--force and --chain: pick one (replace the existing hook, or keep it)');
      const { hookPath, action, runs } = await installHook({ repoDir: repo, force: opts.force, chain: opts.chain });
      const how = action === 'chained' ? ' (the previous hook runs first)' : action === 'replaced' ? ' (previous hook saved as pre-commit.keywarden-backup)' : '';
      process.stdout.write(`keywarden: pre-commit hook ${action}: ${hookPath}${how}\n`);
      if (runs) {
        process.stdout.write(`keywarden: the hook runs ${runs.node} ${runs.bin} (no PATH lookup)\n`);
        // npx without a local install runs from its own cache, which npm may clear at any time.
        if (/[\\/]_npx[\\/]/.test(runs.bin)) {
          process.stderr.write('keywarden: warning: that copy is in npx\'s cache, which npm may clear; install keywarden in the project (npm i -D keywarden) or globally, then run keywarden hook install again\n');
        }
      }
    });
  hook
    .command('uninstall')
    .description('remove keywarden\'s pre-commit hook (restoring a chained one)')
    .argument('[repo]', 'repository directory', '.')
    .exitOverride()
    .action(async (repo: string) => {
      const { uninstallHook } = await import('./hookInstall.js');
      const { hookPath, action } = await uninstallHook(repo);
      const what = action === 'absent' ? 'no hook to remove' : action === 'restored' ? 'removed; the previous hook is back' : 'removed';
      process.stdout.write(`keywarden: pre-commit hook ${what}: ${hookPath}\n`);
    });
}
