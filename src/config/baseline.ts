// --baseline report.json: a previous `--format json` report. Findings whose fingerprint is
// in it are known and accepted, so only new ones are reported. Fingerprints are not
// positional, so the baseline survives code moving around.
// Read synchronously, like .keywardenignore: node:fs/promises costs the pre-commit hook a few
// milliseconds to load.
import { readFileSync } from 'node:fs';
import { ConfigError } from './errors.js';

export async function readBaseline(file: string): Promise<string[]> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError('INVALID_BASELINE', `${file}: cannot read the baseline (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); pass a report written with --format json`);
  }
  return parseBaseline(text, file);
}

export function parseBaseline(text: string, file: string): string[] {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new ConfigError('INVALID_BASELINE', `${file}: not JSON; a baseline is a report written with --format json`);
  }
  const findings = (doc as { findings?: unknown } | null)?.findings;
  if (!Array.isArray(findings)) {
    throw new ConfigError('INVALID_BASELINE', `${file}: key "findings" must be an array; a baseline is a report written with --format json`);
  }
  return findings.map((f, i) => {
    const fp = (f as { fingerprint?: unknown } | null)?.fingerprint;
    if (typeof fp !== 'string' || fp === '') {
      throw new ConfigError('INVALID_BASELINE', `${file}: key "findings[${i}].fingerprint" must be a non-empty string`);
    }
    return fp;
  });
}
