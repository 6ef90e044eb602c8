// Runs scanCommits in a worker thread. From dist/ the thread is compiled JS; under vitest or
// tsx (src/*.ts) it is loaded through tsx's loader.
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ScanCommitsInput, ScanCommitsResult } from './scanCommits.js';

export class ScanThreadError extends Error {
  constructor(message: string, readonly code = 'SCAN_FAILED') {
    super(message);
    this.name = 'ScanThreadError';
  }
}

function threadEntry(): { url: URL; execArgv: string[] } {
  const js = new URL('./scanThread.js', import.meta.url);
  if (existsSync(fileURLToPath(js))) return { url: js, execArgv: [] };
  return { url: new URL('./scanThread.ts', import.meta.url), execArgv: ['--import', 'tsx'] };
}

export function scanInThread(input: ScanCommitsInput): Promise<ScanCommitsResult> {
  const { url, execArgv } = threadEntry();
  return new Promise((resolve, reject) => {
    const worker = new Worker(url, { workerData: input, execArgv });
    let settled = false;
    worker.once('message', (msg: { ok: true; result: ScanCommitsResult } | { ok: false; message: string; code?: string }) => {
      settled = true;
      if (msg.ok) resolve(msg.result);
      else reject(new ScanThreadError(msg.message, msg.code));
      void worker.terminate();
    });
    worker.once('error', (err) => {
      if (!settled) reject(new ScanThreadError(`scan thread crashed: ${err.message}`));
      settled = true;
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new ScanThreadError(`scan thread exited with code ${code}`));
    });
  });
}
