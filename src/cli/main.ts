// The `keywarden` command. Each subcommand lives in its own module and imports its heavy
// dependencies lazily inside its action, so `keywarden scan --staged` (the pre-commit hook)
// never pays for loading Probot, BullMQ or the key service.
import { HOOK_SCAN_OPTIONS, HOOK_SCAN_PATH, isHookScan } from './hookScan.js';

async function runWithCommander(): Promise<void> {
  const { Command } = await import('commander');
  const { registerScanCommand } = await import('./scanCommand.js');
  const program = new Command();
  program
    .name('keywarden')
    .description('Find leaked API keys, and roll them before anyone can use them.')
    .version('0.1.0')
    .showHelpAfterError();

  registerScanCommand(program);
  // `keywarden scan ...` needs no other command, so their modules are not even loaded
  // then; everything else (help included) sees them all.
  if (process.argv[2] !== 'scan') {
    const [hook, ignore, dlq, keyservice, serve, worker, healthcheck] = await Promise.all([
      import('./hookCommand.js'),
      import('./ignoreCommand.js'),
      import('./dlqCommand.js'),
      import('./keyserviceCommand.js'),
      import('./serveCommand.js'),
      import('./workerCommand.js'),
      import('./healthcheckCommand.js'),
    ]);
    hook.registerHookCommand(program);
    ignore.registerIgnoreCommand(program);
    dlq.registerDlqCommand(program);
    keyservice.registerKeyserviceCommand(program);
    serve.registerServeCommand(program);
    worker.registerWorkerCommand(program);
    healthcheck.registerHealthcheckCommand(program);
  }

  program.exitOverride();
  await program.parseAsync(process.argv);
}

// No top-level await: the build bundles this entry as CommonJS (scripts/bundleHook.mjs).
async function main(): Promise<void> {
  try {
    // The pre-commit hook's exact arguments skip commander (see hookScan.ts).
    if (isHookScan(process.argv.slice(2))) {
      // git starts first (small modules only), so it computes the staged diff while the
      // engine modules load and the rule set is built.
      const { planScan } = await import('./scanPlan.js');
      const { startStaged } = await import('./scanSource.js');
      const started = await startStaged(planScan(HOOK_SCAN_PATH, { ...HOOK_SCAN_OPTIONS }));
      const { runScan } = await import('./runScan.js');
      process.exitCode = await runScan(HOOK_SCAN_PATH, { ...HOOK_SCAN_OPTIONS }, started);
      // The report is out and git has exited: exiting now skips Node's tear-down of the
      // environment and heap (4-7 ms of every commit). Not while output is still buffered
      // (pipe writes are asynchronous on some platforms): then Node drains it first.
      if (process.stdout.writableLength === 0 && process.stderr.writableLength === 0) process.exit();
    } else await runWithCommander();
  } catch (err) {
    const e = err as { code?: string; exitCode?: number; message?: string };
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') process.exit(0);
    if (e.code?.startsWith('commander.')) process.exit(2);
    process.stderr.write(`keywarden: ${e.message ?? String(err)}\n`);
    process.exit(2);
  }
}

void main();
