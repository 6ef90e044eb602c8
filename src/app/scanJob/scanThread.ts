// Entry point of the scan thread. One long-lived thread serves every scan of a worker process
// (a native module like re2 must not be loaded again and again by short-lived threads), so a
// big scan never blocks the scan worker's event loop, nor BullMQ's lock renewals with it.
import { parentPort } from 'node:worker_threads';
import { scanCommits, type ScanCommitsInput } from './scanCommits.js';

parentPort!.on('message', (msg: { id: number; input: ScanCommitsInput }) => {
  scanCommits(msg.input).then(
    (result) => parentPort!.postMessage({ id: msg.id, ok: true, result }),
    (err: { message?: string; code?: string }) => parentPort!.postMessage({ id: msg.id, ok: false, message: err.message ?? String(err), code: err.code }),
  );
});
