// Renders the report in the planned format, importing only that format's module. With
// --no-redact (local debugging only) the text report also shows each whole secret.
import type { ScanReport } from '../report/model.js';
import type { ScanPlan } from './scanPlan.js';

export async function renderFor(plan: ScanPlan, report: ScanReport, color: boolean): Promise<string> {
  switch (plan.format) {
    case 'json':
      return (await import('../report/json.js')).formatJson(report);
    case 'sarif':
      return (await import('../report/sarif.js')).formatSarif(report);
    case 'csv':
      return (await import('../report/csv.js')).formatCsv(report);
    case 'text': {
      const { formatText } = await import('../report/text.js');
      const verbose = plan.verbose;
      if (plan.redact) return formatText(report, { color, verbose });
      const { revealSecret } = await import('../scan/secret.js');
      return formatText(report, { color, verbose, reveal: (f) => revealSecret(f) });
    }
  }
}
