// `--format text` (the default): one block per finding, then a summary. Every finding says
// how to silence it if it is a false positive, with the fingerprint ready to paste.
import type { Finding, Severity } from '../scan/types.js';
import type { ScanReport } from './model.js';
import { summaryLine, type Paint } from './summary.js';

export interface TextOptions {
  /** ANSI colours; the CLI turns them on only for a TTY without NO_COLOR. */
  color?: boolean;
  /** List files skipped as ignored paths (config ignorePaths, allowlists) too; they are only counted otherwise. */
  verbose?: boolean;
  /** --no-redact only: returns a finding's whole secret, shown under its preview. */
  reveal?: (f: Finding) => string | undefined;
}

const SEVERITY_COLOR: Record<Severity, string> = { critical: '1;31', high: '31', medium: '33', low: '36', info: '2' };

export function formatText(report: ScanReport, options: TextOptions = {}): string {
  const paint: Paint = options.color ? (code, s) => `\x1b[${code}m${s}\x1b[0m` : (_code, s) => s;
  const out: string[] = [];
  for (const f of report.findings) out.push(block(f, paint, options.reveal), '');
  if (report.findings.length > 0) {
    out.push(
      paint('2', 'To allow a false positive: add `keywarden:allow` in a comment on its line, or paste its fingerprint'),
      paint('2', 'into .keywardenignore at the repository root (one per line, # for comments).'),
      '',
    );
  }
  out.push(...skippedLines(report, paint, options.verbose ?? false));
  out.push(summaryLine(report, paint));
  return out.join('\n') + '\n';
}

function block(f: Finding, paint: Paint, reveal?: TextOptions['reveal']): string {
  const lines = [
    `${paint('1', `${f.path}:${f.line}:${f.column}`)}  ${f.ruleId}  ${paint(SEVERITY_COLOR[f.severity], f.severity)} ${f.kind}, ${f.confidence} confidence`,
    `  ${f.description}`,
    `  preview:     ${f.preview}${f.decoded?.length ? `  (decoded: ${f.decoded.join(' > ')})` : ''}`,
  ];
  const secret = reveal?.(f);
  if (secret !== undefined) lines.push(`  secret:      ${paint('1;31', secret)}  (unredacted: --no-redact)`);
  if (f.commit) {
    const who = [f.author, f.email ? `<${f.email}>` : undefined].filter(Boolean).join(' ');
    const when = f.date ? ` ${f.date}` : '';
    const subject = f.message ? `  ${oneLine(f.message)}` : '';
    lines.push(`  commit:      ${f.commit.slice(0, 12)}${who ? ` by ${who}` : ''}${when}${subject}`);
  }
  lines.push(`  fingerprint: ${paint('36', f.fingerprint)}`);
  return lines.join('\n');
}

const SKIPPED_SHOWN = 10;

/**
 * What was not scanned, so a clean result never hides uncovered files. Paths the user chose
 * to ignore are only counted in the summary, unless verbose: listing them on every scan is noise.
 */
function skippedLines(report: ScanReport, paint: Paint, verbose: boolean): string[] {
  const listed = verbose ? report.skipped : report.skipped.filter((s) => s.reason !== 'ignored-path');
  if (listed.length === 0) return [];
  const lines = listed.slice(0, SKIPPED_SHOWN).map((s) => {
    const where = s.commit ? ` in ${s.commit.slice(0, 12)}` : '';
    const size = s.bytes > 0 ? `, ${formatBytes(s.bytes)}` : '';
    return paint('2', `skipped: ${s.path}${where} (${s.reason}${size})`);
  });
  const more = listed.length - SKIPPED_SHOWN;
  if (more > 0) lines.push(paint('2', `skipped: … and ${more} more`));
  return lines;
}

function oneLine(message: string): string {
  const first = message.split('\n')[0];
  return first.length > 72 ? `${first.slice(0, 71)}…` : first;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
