// A pool of worker threads, each with its own Scanner, for scanning many fragments at
// once (history scans, big trees, the benchmark). Fragments submitted in the same tick are
// sent as one batch per worker, to keep message overhead off small files.
//
// Workers run compiled JavaScript: from dist/ they load dist/scan/parallelWorker.js beside
// this file; from src/ (vitest, tsx) they load the same file from dist/, so run
// `npm run build` first (npm test does, via pretest).
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WorkerInit, WorkerReady, WorkerReply, WorkerRequest } from './parallelProtocol.js';
import type { RuleFileConfig } from './ruleConfig.js';
import type { RuleSet } from './ruleSet.js';
import type { FragmentScan, ScannerOptions } from './scanner.js';
import { attachSecret } from './secret.js';
import type { Fragment } from './types.js';

export type RuleSource = RuleSet | { files: RuleFileConfig[]; disabledRules?: string[] };

export interface PoolOptions {
  /** Worker threads; default: the machine's available parallelism. */
  threads?: number;
  /** Most fragments per message to a worker. */
  batchSize?: number;
  /**
   * Move fragments' bytes to the workers rather than copy them (structured clone copies each
   * buffer twice). A fragment's `text` is then empty on this side once it is sent: only for
   * callers that are done with the bytes when they submit them.
   */
  transferText?: boolean;
}

interface Pending {
  resolve: (r: FragmentScan) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  inFlight: Map<number, Pending[]>;
  queued: Array<{ fragment: Fragment; pending: Pending }>;
  load: number;
}

/** The buffers that fragments' bytes alone occupy (a view into a shared pool slab must be copied). */
function transferableBuffers(fragments: Fragment[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const { text } of fragments) {
    if (typeof text === 'string' || !(text.buffer instanceof ArrayBuffer)) continue;
    if (text.byteOffset === 0 && text.byteLength === text.buffer.byteLength) out.add(text.buffer);
  }
  return [...out];
}

export class WorkerUnavailableError extends Error {
  readonly code = 'WORKER_UNAVAILABLE';
}

function workerFile(): string {
  const here = import.meta.url;
  const url = here.endsWith('.ts') ? new URL('../../dist/scan/parallelWorker.js', here) : new URL('./parallelWorker.js', here);
  const path = fileURLToPath(url);
  if (!existsSync(path)) throw new WorkerUnavailableError(`${path} is missing: run \`npm run build\` so worker threads have compiled code to load`);
  return path;
}

export class ParallelScanner {
  private readonly slots: Slot[];
  private readonly batchSize: number;
  private readonly transferText: boolean;
  private nextBatch = 0;
  private readyWorkers = 0;
  private flushScheduled = false;
  private closed = false;

  constructor(rules: RuleSource, options: ScannerOptions = {}, pool: PoolOptions = {}) {
    const threads = Math.max(1, pool.threads ?? availableParallelism());
    this.batchSize = pool.batchSize ?? 64;
    this.transferText = pool.transferText ?? false;
    const init: WorkerInit = {
      files: rules.files,
      disabledRules: [...(rules.disabledRules ?? [])],
      options: {
        maxFragmentBytes: options.maxFragmentBytes,
        decodeDepth: options.decodeDepth,
        ignoreFingerprints: options.ignoreFingerprints ? [...options.ignoreFingerprints] : undefined,
        ignoreGlobs: options.ignoreGlobs,
        skipPaths: options.skipPaths,
      },
      // Same files and disabled rules, same keywords: each worker adopts the automaton rather
      // than building its own (refused and built, should the keywords differ after all).
      automaton: 'keywords' in rules ? rules.keywords.shareable() : undefined,
    };
    const file = workerFile();
    this.slots = Array.from({ length: threads }, () => this.startWorker(file, init));
  }

  get threads(): number {
    return this.slots.length;
  }

  /**
   * Every worker has built its rule set. Fragments sent before then wait in the workers'
   * queues, so a caller that can scan them itself meanwhile (see scanEngine.ts) asks this.
   */
  get ready(): boolean {
    return this.readyWorkers === this.slots.length;
  }

  private startWorker(file: string, init: WorkerInit): Slot {
    const slot: Slot = { worker: new Worker(file, { workerData: init }), inFlight: new Map(), queued: [], load: 0 };
    slot.worker.on('message', (reply: WorkerReply | WorkerReady) => {
      if ('ready' in reply) {
        this.readyWorkers++;
        return;
      }
      const pendings = slot.inFlight.get(reply.batch) ?? [];
      slot.inFlight.delete(reply.batch);
      slot.load -= pendings.length;
      reply.results.forEach((r, i) => {
        const p = pendings[i];
        if (r.error !== undefined) p.reject(new Error(r.error));
        else {
          r.findings.forEach((f, k) => attachSecret(f, r.secrets[k]));
          p.resolve(r.skipped ? { findings: r.findings, skipped: r.skipped } : { findings: r.findings });
        }
      });
    });
    const failAll = (err: Error) => {
      for (const ps of slot.inFlight.values()) for (const p of ps) p.reject(err);
      slot.inFlight.clear();
      for (const q of slot.queued) q.pending.reject(err);
      slot.queued = [];
    };
    slot.worker.on('error', failAll);
    slot.worker.on('exit', (code) => {
      if (!this.closed) failAll(new Error(`scan worker exited with code ${code}`));
    });
    return slot;
  }

  scanFragment(fragment: Fragment): Promise<FragmentScan> {
    if (this.closed) return Promise.reject(new Error('ParallelScanner is closed'));
    return new Promise((resolve, reject) => {
      let best = this.slots[0];
      for (const s of this.slots) if (s.load < best.load) best = s;
      best.queued.push({ fragment, pending: { resolve, reject } });
      best.load++;
      if (best.queued.length >= this.batchSize) this.flush(best);
      else if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => {
          this.flushScheduled = false;
          for (const s of this.slots) this.flush(s);
        });
      }
    });
  }

  private flush(slot: Slot): void {
    if (slot.queued.length === 0) return;
    const batch = this.nextBatch++;
    const items = slot.queued;
    slot.queued = [];
    slot.inFlight.set(batch, items.map((q) => q.pending));
    const req: WorkerRequest = { batch, fragments: items.map((q) => q.fragment) };
    slot.worker.postMessage(req, this.transferText ? transferableBuffers(req.fragments) : undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}
