// `--format csv`: one row per finding, RFC 4180 quoting.
import type { Finding } from '../scan/types.js';
import { roundEntropy, type ScanReport } from './model.js';

const COLUMNS = [
  'ruleId', 'path', 'line', 'column', 'severity', 'kind', 'preview', 'secretHash', 'fingerprint',
  'entropy', 'commit', 'author', 'email', 'date', 'decoded',
  // Added after the first release: new columns go last, so readers by position keep working.
  'confidence',
] as const;

export function formatCsv(report: ScanReport): string {
  const rows = [COLUMNS.join(',')];
  for (const f of report.findings) rows.push(COLUMNS.map((c) => cell(valueOf(f, c))).join(','));
  return rows.join('\r\n') + '\r\n';
}

function valueOf(f: Finding, column: (typeof COLUMNS)[number]): string {
  switch (column) {
    case 'entropy':
      return String(roundEntropy(f.entropy));
    case 'decoded':
      return (f.decoded ?? []).join('>');
    default: {
      const v = f[column];
      return v === undefined ? '' : String(v);
    }
  }
}

function cell(value: string): string {
  // Paths, names and messages come from the scanned repository: a leading = + - @ would be
  // run as a formula by spreadsheets, so such cells are prefixed with a quote.
  let v = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  if (/[",\r\n]/.test(v)) v = `"${v.replace(/"/g, '""')}"`;
  return v;
}
