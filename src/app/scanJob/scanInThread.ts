// Runs scanCommits in the process's scan thread (started on first use, kept for the life of
// the process: see scanThread.ts). From dist/ the thread is compiled JS; from src/ (vitest,
// tsx) it is dist/app/scanJob/scanThread.js, so build first (`npm test` does, via pretest).
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

type Reply = { id: number; ok: true; result: ScanCommitsResult } | { id: number; ok: false; message: string; code?: string };

function threadFile(): string {
  const here = import.meta.url;
  const url = here.endsWith('.ts') ? new URL('../../../dist/app/scanJob/scanThread.js', here) : new URL('./scanThread.js', here);
  const path = fileURLToPath(url);
  if (!existsSync(path)) throw new ScanThreadError(`${path} is missing: run \`npm run build\` so the scan thread has compiled code to load`, 'SCAN_THREAD_UNAVAILABLE');
  return path;
}

let thread: Worker | null = null;
let nextId = 0;
const pending = new Map<number, { resolve: (r: ScanCommitsResult) => void; reject: (e: Error) => void }>();

function failAll(err: Error): void {
  for (const p of pending.values()) p.reject(err);
  pending.clear();
  thread = null;
}

function scanThread(): Worker {
  if (thread) return thread;
  const t = new Worker(threadFile());
  t.on('message', (msg: Reply) => {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (pending.size === 0) t.unref();
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new ScanThreadError(msg.message, msg.code));
  });
  t.on('error', (err) => failAll(new ScanThreadError(`scan thread crashed: ${err.message}`)));
  t.on('exit', (code) => failAll(new ScanThreadError(`scan thread exited with code ${code}`)));
  // Idle between jobs: don't keep the process alive for it.
  t.unref();
  thread = t;
  return t;
}

export function scanInThread(input: ScanCommitsInput): Promise<ScanCommitsResult> {
  return new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    try {
      const t = scanThread();
      // Keep the process alive while a scan is in flight; idle, the thread holds nothing up.
      t.ref();
      t.postMessage({ id, input });
    } catch (err) {
      pending.delete(id);
      reject(err);
    }
  });
}

/** Stops the scan thread (worker shutdown). */
export async function closeScanThread(): Promise<void> {
  const t = thread;
  thread = null;
  if (t) await t.terminate();
}
