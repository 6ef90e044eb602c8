// `--format json`. The field names are a public contract (other tools and --baseline parse
// them): add fields only, never rename.
import type { Finding } from '../scan/types.js';
import { REPORT_VERSION, roundEntropy, type ScanReport } from './model.js';

export interface JsonFinding {
  ruleId: string;
  path: string;
  line: number;
  column: number;
  severity: string;
  confidence: string;
  kind: string;
  preview: string;
  secretHash: string;
  fingerprint: string;
  entropy: number;
  commit?: string;
  author?: string;
  email?: string;
  date?: string;
  decoded?: string[];
}

export interface JsonReport {
  version: number;
  findings: JsonFinding[];
  stats: { files: number; bytes: number; skipped: number; durationMs: number };
}

export function toJsonFinding(f: Finding): JsonFinding {
  // Built field by field, never spread: whatever else a Finding carries stays out.
  const out: JsonFinding = {
    ruleId: f.ruleId,
    path: f.path,
    line: f.line,
    column: f.column,
    severity: f.severity,
    confidence: f.confidence,
    kind: f.kind,
    preview: f.preview,
    secretHash: f.secretHash,
    fingerprint: f.fingerprint,
    entropy: roundEntropy(f.entropy),
  };
  if (f.commit !== undefined) out.commit = f.commit;
  if (f.author !== undefined) out.author = f.author;
  if (f.email !== undefined) out.email = f.email;
  if (f.date !== undefined) out.date = f.date;
  if (f.decoded !== undefined && f.decoded.length > 0) out.decoded = [...f.decoded];
  return out;
}

export function formatJson(report: ScanReport): string {
  const { files, bytes, skipped, durationMs } = report.stats;
  const body: JsonReport = {
    version: REPORT_VERSION,
    findings: report.findings.map(toJsonFinding),
    stats: { files, bytes, skipped, durationMs: Math.round(durationMs) },
  };
  return JSON.stringify(body, null, 2) + '\n';
}
