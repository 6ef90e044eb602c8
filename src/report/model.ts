// What every report format renders: the findings of one scan and what it covered.
import type { Finding, SkippedFragment } from '../scan/types.js';

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
}

export type ReportFormat = 'text' | 'json' | 'sarif' | 'csv';
export const REPORT_FORMATS: readonly ReportFormat[] = ['text', 'json', 'sarif', 'csv'];

/** Version of the json report's shape; bump only on an incompatible change. */
export const REPORT_VERSION = 1;

export const TOOL_NAME = 'keywarden';
export const TOOL_VERSION = '0.1.0';
export const TOOL_URI = 'https://github.com/keywarden/keywarden';

/** Findings that block: secrets. Public keys are safe to publish and only informational. */
export function blockingFindings(findings: readonly Finding[]): Finding[] {
  return findings.filter((f) => f.kind === 'secret');
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
