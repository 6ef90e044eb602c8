import { describe, expect, it } from 'vitest';
import { formatCsv } from '../../src/report/csv.js';
import { formatJson } from '../../src/report/json.js';
import { formatSarif } from '../../src/report/sarif.js';
import { formatText } from '../../src/report/text.js';
import { renderReport, REPORT_FORMATS } from '../../src/report/index.js';
import { RAW_SECRET, sampleFindings, sampleReport } from './fixtures.js';
import { sarifValidator } from './sarifSchema.js';

describe('json report', () => {
  it('has exactly the documented shape', () => {
    const parsed = JSON.parse(formatJson(sampleReport()));
    expect(Object.keys(parsed)).toEqual(['version', 'findings', 'stats']);
    expect(parsed.version).toBe(1);
    expect(parsed.stats).toEqual({ files: 3, bytes: 2048, skipped: 1, durationMs: 13 });
    const [plain, history] = parsed.findings;
    expect(Object.keys(plain)).toEqual(['ruleId', 'path', 'line', 'column', 'severity', 'confidence', 'kind', 'preview', 'secretHash', 'fingerprint', 'entropy']);
    expect(plain).toMatchObject({ ruleId: 'keyservice-secret-key', line: 12, column: 18, entropy: 4.912 });
    expect(history).toMatchObject({
      commit: '0123456789abcdef0123456789abcdef01234567',
      author: 'Ada Lovelace',
      email: 'ada@example.com',
      date: '2026-11-23T09:00:00Z',
      decoded: ['base64'],
    });
    expect(history).not.toHaveProperty('message');
    expect(history).not.toHaveProperty('description');
  });
});

describe('csv report', () => {
  it('quotes per RFC 4180 and defuses spreadsheet formulas', () => {
    const lines = formatCsv(sampleReport()).split('\r\n');
    expect(lines[0]).toBe('ruleId,path,line,column,severity,kind,preview,secretHash,fingerprint,entropy,commit,author,email,date,decoded,confidence');
    expect(lines[1].split(',')[1]).toBe('"src/dir with space/config');
    expect(lines[1]).toContain('"src/dir with space/config,""x"".ts"');
    expect(lines[2]).toMatch(/^aws-access-key-id,'=cmd\|calc\.txt,3,1,high,secret,/);
    expect(lines[2]).toContain(',base64');
    expect(lines).toHaveLength(5); // header + 3 + trailing empty
    expect(lines[4]).toBe('');
  });
});

describe('sarif report', () => {
  it('is valid SARIF 2.1.0 against the official schema', () => {
    const validate = sarifValidator();
    const doc = JSON.parse(formatSarif(sampleReport()));
    const ok = validate(doc);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    const empty = JSON.parse(formatSarif(sampleReport([])));
    expect(validate(empty)).toBe(true);
  });

  it('the validator rejects a broken document (so the test above can fail)', () => {
    const validate = sarifValidator();
    const doc = JSON.parse(formatSarif(sampleReport()));
    doc.runs[0].results[0].level = 'catastrophic';
    expect(validate(doc)).toBe(false);
  });

  it('carries rules, levels, encoded locations and stable fingerprints', () => {
    const doc = JSON.parse(formatSarif(sampleReport()));
    const run = doc.runs[0];
    expect(run.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(['keyservice-secret-key', 'aws-access-key-id', 'keyservice-public-key']);
    expect(run.results.map((r: { level: string }) => r.level)).toEqual(['error', 'error', 'note']);
    const loc = run.results[0].locations[0].physicalLocation;
    expect(loc.artifactLocation.uri).toBe('src/dir%20with%20space/config%2C%22x%22.ts');
    expect(loc.region).toEqual({ startLine: 12, startColumn: 18, endColumn: 64 });
    expect(run.results[1].partialFingerprints['keywarden/v1']).toBe(sampleFindings()[1].fingerprint);
    expect(run.results[1].properties.commit).toBe('0123456789abcdef0123456789abcdef01234567');
  });
});

describe('text report', () => {
  it('shows location, rule, severity, kind, preview, commit and a paste-ready fingerprint', () => {
    const text = formatText(sampleReport());
    expect(text).toContain('src/dir with space/config,"x".ts:12:18  keyservice-secret-key  critical secret');
    expect(text).toContain('preview:     kwsk…(46)');
    expect(text).toContain('commit:      0123456789ab by Ada Lovelace <ada@example.com> 2026-11-23T09:00:00Z  add config');
    expect(text).toContain('fingerprint: src/dir with space/config,"x".ts:keyservice-secret-key:aaaaaaaaaaaaaaaa\n');
    expect(text).toContain('keywarden:allow');
    expect(text).toContain('.keywardenignore');
    expect(text).toMatch(/keywarden: 2 leaks found \(1 critical, 1 high; \+1 public key, informational\) in 3 files \(1 skipped\), 0\.00 MB, 0\.01 s\n$/);
    expect(text).not.toContain('\x1b[');
  });

  it('colours only when asked, and says so when nothing leaked', () => {
    expect(formatText(sampleReport(), { color: true })).toContain('\x1b[1;31mcritical\x1b[0m');
    expect(formatText(sampleReport([]))).toBe('skipped: big.bin (binary, 10 B)\nkeywarden: no leaks found in 3 files (1 skipped), 0.00 MB, 0.01 s\n');
    const many = sampleReport([]);
    many.skipped = Array.from({ length: 12 }, (_, i) => ({ path: `f${i}`, commit: 'abcdef0123456789', reason: 'too-large' as const, bytes: 0 }));
    const lines = formatText(many).split('\n');
    expect(lines[0]).toBe('skipped: f0 in abcdef012345 (too-large)');
    expect(lines[10]).toBe('skipped: … and 2 more');
  });
});

describe('every format', () => {
  it('never contains the raw secret', () => {
    for (const format of REPORT_FORMATS) {
      const out = renderReport(format, sampleReport(), { color: true });
      expect(out.length).toBeGreaterThan(50);
      expect(out).not.toContain(RAW_SECRET);
      expect(out).not.toContain('AKIAIOSFODNN7EXAMPLE');
    }
  });
});
