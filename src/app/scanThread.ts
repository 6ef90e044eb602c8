// Entry point of the scan thread: one scan per thread, so a big scan never blocks the scan
// worker's event loop (and BullMQ's lock renewals with it).
import { parentPort, workerData } from 'node:worker_threads';
import { scanCommits, type ScanCommitsInput } from './scanCommits.js';

try {
  const result = await scanCommits(workerData as ScanCommitsInput);
  parentPort!.postMessage({ ok: true, result });
} catch (err) {
  const e = err as { message?: string; code?: string };
  parentPort!.postMessage({ ok: false, message: e.message ?? String(err), code: e.code });
}
