// `--format sarif`: SARIF 2.1.0, as GitHub code scanning accepts it. Rule metadata comes
// from the findings themselves, so the report describes exactly the rules that fired.
import type { Finding, Severity } from '../scan/types.js';
import { roundEntropy, TOOL_NAME, TOOL_URI, TOOL_VERSION, type ScanReport } from './model.js';

const SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
};

// GitHub ranks security alerts by this property (0.0-10.0, as a string).
const SECURITY_SEVERITY: Record<Severity, string> = {
  critical: '9.5',
  high: '8.0',
  medium: '5.5',
  low: '3.0',
  info: '0.0',
};

export function formatSarif(report: ScanReport): string {
  const ruleIndex = new Map<string, number>();
  const rules: object[] = [];
  for (const f of report.findings) {
    if (ruleIndex.has(f.ruleId)) continue;
    ruleIndex.set(f.ruleId, rules.length);
    rules.push({
      id: f.ruleId,
      name: f.ruleId,
      shortDescription: { text: f.description || f.ruleId },
      defaultConfiguration: { level: LEVEL[f.severity] },
      properties: {
        tags: ['security', 'secret', ...(f.tags ?? [])],
        'security-severity': SECURITY_SEVERITY[f.severity],
        // The rule's confidence, in the terms code-scanning UIs sort by.
        precision: f.confidence ?? 'low',
      },
    });
  }
  const sarif = {
    $schema: SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: TOOL_NAME, version: TOOL_VERSION, informationUri: TOOL_URI, rules } },
        results: report.findings.map((f) => result(f, ruleIndex.get(f.ruleId) as number)),
        columnKind: 'utf16CodeUnits',
      },
    ],
  };
  return JSON.stringify(sarif, null, 2) + '\n';
}

function result(f: Finding, index: number): object {
  const where = f.commit ? ` in commit ${f.commit.slice(0, 12)}` : '';
  const properties: Record<string, unknown> = {
    kind: f.kind,
    severity: f.severity,
    confidence: f.confidence,
    preview: f.preview,
    secretHash: f.secretHash,
    entropy: roundEntropy(f.entropy),
  };
  for (const key of ['commit', 'author', 'email', 'date'] as const) if (f[key] !== undefined) properties[key] = f[key];
  if (f.decoded?.length) properties.decoded = [...f.decoded];
  return {
    ruleId: f.ruleId,
    ruleIndex: index,
    level: LEVEL[f.severity],
    message: { text: `${f.description || f.ruleId} (${f.preview})${where}` },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: toUri(f.path) },
          region: { startLine: f.line, startColumn: f.column, endColumn: Math.max(f.endColumn, f.column + 1) },
        },
      },
    ],
    partialFingerprints: { 'keywarden/v1': f.fingerprint },
    properties,
  };
}

/** A relative URI reference for a repo path: each segment percent-encoded. */
function toUri(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}
