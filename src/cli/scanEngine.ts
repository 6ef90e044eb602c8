// Which engine a scan runs on: the in-process Scanner, or the worker pool. Starting workers
// costs each one its own module load and rule set (~100 ms), which a small tree never earns
// back; so a directory scan starts in-process and moves to the pool once it has scanned
// enough bytes to show the tree is big. History scans keep their own rule (see runScan).
import { availableParallelism } from 'node:os';
import type { RuleSet } from '../scan/ruleSet.js';
// Straight from the engine's modules, not its index: the index also loads the TOML rule
// parser and the worker pool, which a pre-commit run does not need (start-up time).
import { Scanner, type ScannerOptions } from '../scan/scanner.js';
import type { ScanOne } from './scanLoop.js';

/** Bytes scanned in-process before a directory scan moves to worker threads. */
export const POOL_AFTER_BYTES = 16 * 1024 * 1024;

export interface ScanEngine {
  scan: ScanOne;
  close(): Promise<void>;
}

export interface EngineChoice {
  /** Worker threads from the start (0: in-process only). */
  threads: number;
  /** Move to a pool of this many threads after `poolAfterBytes`; 0: never. */
  growTo?: number;
  /** Default POOL_AFTER_BYTES. */
  poolAfterBytes?: number;
}

/**
 * A tree expected to be at least this big gets its worker pool from the start: workers that
 * load while the main thread lists and reads files cost nothing, where a pool grown later
 * makes the main thread scan on alone until they are ready (97 MB of node_modules: 1.62 s
 * from the start against 1.80 s grown).
 */
export const POOL_FROM_START_BYTES = 48 * 1024 * 1024;

/** `estimatedBytes`: the directory source's estimate of the tree's size, when it has one. */
export function directoryEngineChoice(threads: number | undefined, estimatedBytes = 0): EngineChoice {
  if (threads !== undefined) return { threads };
  const cores = availableParallelism();
  if (cores < 2) return { threads: 0 };
  if (estimatedBytes >= POOL_FROM_START_BYTES) return { threads: cores };
  return { threads: 0, growTo: cores };
}

export async function startScanEngine(rules: RuleSet, options: ScannerOptions, choice: EngineChoice): Promise<ScanEngine> {
  const loadPool = async () => (await import('../scan/parallelScanner.js')).ParallelScanner;
  if (choice.threads > 0) {
    const pool = new (await loadPool())(rules, options, { threads: choice.threads, transferText: true });
    return { scan: (f) => pool.scanFragment(f), close: () => pool.close() };
  }
  const scanner = new Scanner(rules, options);
  const growTo = choice.growTo ?? 0;
  const poolAfterBytes = choice.poolAfterBytes ?? POOL_AFTER_BYTES;
  if (growTo === 0) return { scan: (f) => scanner.scanFragment(f), close: async () => {} };

  // Loaded now, so the switch itself stays synchronous.
  const ParallelScanner = await loadPool();
  let pool: InstanceType<typeof ParallelScanner> | undefined;
  let pooled = false;
  let bytes = 0;
  let gaveUp = false;
  return {
    scan: (f) => {
      if (pooled) return pool!.scanFragment(f);
      // Workers take ~100 ms each to load and build their rules; fragments sent before
      // then would wait, and the whole scan with them (measured: 1.98 s against 1.65 s for
      // a pool from the start, 97 MB). This thread scans on until every worker is ready.
      // The switch is one way, so results still come back in source order.
      if (pool?.ready) {
        pooled = true;
        return pool.scanFragment(f);
      }
      bytes += f.text.length;
      if (!pool && bytes > poolAfterBytes && !gaveUp) {
        try {
          pool = new ParallelScanner(rules, options, { threads: growTo, transferText: true });
        } catch {
          gaveUp = true; // no compiled worker code (a source checkout without a build): stay in-process
        }
      }
      return scanner.scanFragment(f);
    },
    close: async () => {
      await pool?.close();
    },
  };
}
