// Worker side of ParallelScanner: builds its own Scanner from plain rule data (compiled
// RE2 objects cannot cross threads) and scans batches of fragments. Raw secrets go back
// to the parent in memory only, beside the findings, never inside them.
import { parentPort, workerData } from 'node:worker_threads';
import { buildRuleSet } from './ruleSet.js';
import { Scanner } from './scanner.js';
import { revealSecret } from './secret.js';
import type { WorkerInit, WorkerReady, WorkerReply, WorkerRequest } from './parallelProtocol.js';

const init = workerData as WorkerInit;
const automaton = init.automaton;
const scanner = new Scanner(buildRuleSet(init.files, { disabledRules: init.disabledRules, automaton: () => automaton }), init.options);

parentPort!.on('message', (req: WorkerRequest) => {
  const reply: WorkerReply = { batch: req.batch, results: [] };
  for (const fragment of req.fragments) {
    try {
      const r = scanner.scanFragment(fragment);
      reply.results.push({ findings: r.findings, skipped: r.skipped, secrets: r.findings.map((f) => revealSecret(f) ?? '') });
    } catch (err) {
      reply.results.push({ error: (err as Error).message });
    }
  }
  parentPort!.postMessage(reply);
});
parentPort!.postMessage({ ready: true } satisfies WorkerReady);
