// The one-line summary: the text report's last line, and what `scan` prints on stderr when
// the report goes to a file or is not text, so a terminal always says how a scan went.
import { SEVERITIES, type Severity } from '../scan/types.js';
import { blockingFindings } from '../scan/blocking.js';
import type { ScanReport } from './model.js';

export type Paint = (code: string, s: string) => string;
const plain: Paint = (_code, s) => s;

/** e.g. `keywarden: 3 leaks found (1 critical, 2 high) in 12 files (1 skipped), 0.04 MB, 0.21 s` */
export function summaryLine(report: ScanReport, paint: Paint = plain): string {
  const blocking = blockingFindings(report.findings, report.policy);
  const info = report.findings.length - blocking.length;
  // With --fail-on, findings under the level are listed but do not count as leaks.
  const filtered = Boolean(report.policy?.failOn || report.policy?.minConfidence);
  const infoNote = info > 0 ? `+${plural(info, filtered ? 'finding' : 'public key')}${filtered ? ' below --fail-on or public' : ''}, informational` : '';
  const bySeverity = new Map<Severity, number>();
  for (const f of blocking) bySeverity.set(f.severity, (bySeverity.get(f.severity) ?? 0) + 1);
  const counts = SEVERITIES.filter((s) => bySeverity.has(s)).map((s) => `${bySeverity.get(s)} ${s}`);
  const details = [counts.join(', '), infoNote].filter(Boolean).join('; ');
  const head = blocking.length === 0 ? paint('32', 'keywarden: no leaks found') : paint('1;31', `keywarden: ${plural(blocking.length, 'leak')} found`);
  return `${head}${details ? ` (${details})` : ''} ${scope(report)}`;
}

function scope(report: ScanReport): string {
  const { files, bytes, durationMs, commits } = report.stats;
  const ignored = report.skipped.filter((s) => s.reason === 'ignored-path').length;
  const skipped = report.skipped.length - ignored;
  const left = [skipped > 0 ? `${skipped} skipped` : '', ignored > 0 ? `${ignored} ignored` : ''].filter(Boolean).join(', ');
  const of = commits !== undefined ? ` of ${plural(commits, 'commit')}` : '';
  return `in ${plural(files, 'file')}${of}${left ? ` (${left})` : ''}, ${(bytes / 1e6).toFixed(2)} MB, ${(durationMs / 1000).toFixed(2)} s`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
