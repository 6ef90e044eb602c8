// The `keywarden` command. Each subcommand lives in its own module and imports its heavy
// dependencies lazily inside its action, so `keywarden scan --staged` (the pre-commit hook)
// never pays for loading Probot, BullMQ or the key service.
import { Command } from 'commander';
import { registerScanCommand } from './scanCommand.js';
import { registerHookCommand } from './hookCommand.js';
import { registerDlqCommand } from './dlqCommand.js';
import { registerKeyserviceCommand } from './keyserviceCommand.js';
import { registerServeCommand } from './serveCommand.js';
import { registerWorkerCommand } from './workerCommand.js';

const program = new Command();
program
  .name('keywarden')
  .description('Find leaked API keys, and roll them before anyone can use them.')
  .version('0.1.0')
  .showHelpAfterError();

registerScanCommand(program);
registerHookCommand(program);
registerDlqCommand(program);
registerKeyserviceCommand(program);
registerServeCommand(program);
registerWorkerCommand(program);

program.exitOverride();
try {
  await program.parseAsync(process.argv);
} catch (err) {
  const e = err as { code?: string; exitCode?: number; message?: string };
  if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') process.exit(0);
  if (e.code?.startsWith('commander.')) process.exit(2);
  process.stderr.write(`keywarden: ${e.message ?? String(err)}\n`);
  process.exit(2);
}
