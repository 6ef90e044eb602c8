// Feeds source items to a scanner and totals the results. The scanner is either the
// in-process Scanner (sync) or the worker pool (async); for the pool a bounded window of
// fragments is in flight, so the source keeps streaming while workers scan and memory
// stays bounded. Results are taken in source order, so reports are deterministic.
import type { Finding, Fragment, SkippedFragment } from '../scan/types.js';
import type { FragmentScan } from '../scan/index.js';
import { isSkipped, type SourceItem } from '../sources/types.js';

export interface ScanTotals {
  findings: Finding[];
  skipped: SkippedFragment[];
  files: number;
  bytes: number;
}

export type ScanOne = (fragment: Fragment) => FragmentScan | Promise<FragmentScan>;

const MAX_IN_FLIGHT = 512;
const MAX_IN_FLIGHT_CHARS = 64 * 1024 * 1024;

export async function scanItems(batches: AsyncIterable<SourceItem[]>, scan: ScanOne, onProgress?: (t: ScanTotals) => void): Promise<ScanTotals> {
  const totals: ScanTotals = { findings: [], skipped: [], files: 0, bytes: 0 };
  const window: { result: Promise<FragmentScan>; chars: number; bytes: number }[] = [];
  let inFlightChars = 0;
  const account = (result: FragmentScan, bytes: number): void => {
    if (result.skipped) {
      totals.skipped.push(result.skipped);
      return;
    }
    totals.files++;
    totals.bytes += bytes;
    for (const f of result.findings) totals.findings.push(f);
    if (onProgress && (totals.files & 63) === 0) onProgress(totals);
  };
  const settleOldest = async (): Promise<void> => {
    const { result, chars, bytes } = window.shift() as (typeof window)[number];
    inFlightChars -= chars;
    account(await result, bytes);
  };
  for await (const batch of batches) {
    for (const item of batch) {
      if (isSkipped(item)) {
        totals.skipped.push(item);
        continue;
      }
      // Sizes first: a worker pool may take the bytes themselves (ParallelScanner transferText).
      const chars = item.text.length;
      const bytes = Buffer.byteLength(item.text);
      const result = scan(item);
      if (!(result instanceof Promise)) {
        account(result, bytes);
        continue;
      }
      window.push({ result, chars, bytes });
      inFlightChars += chars;
      while (window.length > MAX_IN_FLIGHT || inFlightChars > MAX_IN_FLIGHT_CHARS) await settleOldest();
    }
  }
  while (window.length > 0) await settleOldest();
  return totals;
}
