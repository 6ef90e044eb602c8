// Picks the renderer for a format. Each format is its own small module.
import { formatCsv } from './csv.js';
import { formatJson } from './json.js';
import type { ReportFormat, ScanReport } from './model.js';
import { formatSarif } from './sarif.js';
import { formatText } from './text.js';

export * from './model.js';

export function renderReport(format: ReportFormat, report: ScanReport, options: { color?: boolean } = {}): string {
  switch (format) {
    case 'json':
      return formatJson(report);
    case 'sarif':
      return formatSarif(report);
    case 'csv':
      return formatCsv(report);
    case 'text':
      return formatText(report, options);
  }
}
