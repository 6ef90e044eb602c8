// What every report format renders: the findings of one scan and what it covered.
import { CONFIDENCES, type Confidence, type Finding, type SkippedFragment } from '../scan/types.js';
import type { BlockingPolicy } from '../scan/blocking.js';

export interface ScanStats {
  /** Fragments scanned: files, (commit, file) pairs, or staged files. */
  files: number;
  bytes: number;
  /** Number of files or fragments not scanned (binary, too large, ignored path). */
  skipped: number;
  durationMs: number;
  /** History scans only. */
  commits?: number;
}

export interface ScanReport {
  findings: Finding[];
  skipped: SkippedFragment[];
  stats: ScanStats;
  /** What counts as a leak for the summary line (the exit code uses the same policy). */
  policy?: BlockingPolicy;
}

export type ReportFormat = 'text' | 'json' | 'sarif' | 'csv';
export const REPORT_FORMATS: readonly ReportFormat[] = ['text', 'json', 'sarif', 'csv'];

/** Version of the json report's shape; bump only on an incompatible change. */
export const REPORT_VERSION = 1;

export const TOOL_NAME = 'keywarden';
export const TOOL_VERSION = '0.1.0';
export const TOOL_URI = 'https://github.com/keywarden/keywarden';

/** Findings of `min` confidence or higher (CONFIDENCES runs from high to low). */
export function atLeastConfidence(findings: Finding[], min: Confidence | undefined): Finding[] {
  if (!min) return findings;
  const least = CONFIDENCES.indexOf(min);
  return findings.filter((f) => CONFIDENCES.indexOf(f.confidence ?? 'low') <= least);
}

/**
 * Report order, the same in every format: by path, then line, then column. Sources deliver
 * in their own order and rules match one after another; the sort is stable, so a history
 * scan's hits at the same place keep git's (newest first) order.
 */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line || a.column - b.column));
}

export function roundEntropy(e: number): number {
  return Math.round(e * 1000) / 1000;
}
