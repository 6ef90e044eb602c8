// The `keywarden` command. Each subcommand lives in its own module and imports its heavy
// dependencies lazily inside its action, so `keywarden scan --staged` (the pre-commit hook)
// never pays for loading Probot, BullMQ or the key service.
import { Command } from 'commander';
import { registerScanCommand } from './scanCommand.js';

const program = new Command();
program
  .name('keywarden')
  .description('Find leaked API keys, and roll them before anyone can use them.')
  .version('0.1.0')
  .showHelpAfterError();

registerScanCommand(program);
// `keywarden scan ...` (the pre-commit hook runs it on every commit) needs no other command,
// so their modules are not even loaded then; everything else (help included) sees them all.
if (process.argv[2] !== 'scan') {
  const [hook, dlq, keyservice, serve, worker] = await Promise.all([
    import('./hookCommand.js'),
    import('./dlqCommand.js'),
    import('./keyserviceCommand.js'),
    import('./serveCommand.js'),
    import('./workerCommand.js'),
  ]);
  hook.registerHookCommand(program);
  dlq.registerDlqCommand(program);
  keyservice.registerKeyserviceCommand(program);
  serve.registerServeCommand(program);
  worker.registerWorkerCommand(program);
}

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
