// Findings as the engine makes them, for report tests. Built by hand so these tests do not
// depend on any rule; the raw secret is attached the way the engine attaches it.
import { attachSecret } from '../../src/scan/secret.js';
import type { Finding } from '../../src/scan/types.js';
import type { ScanReport } from '../../src/report/model.js';

export const RAW_SECRET = 'kwsk_live_Q2x9TzVb8mNc4RtY7uWk1LpAsD3fGh5Jk0Zr9X'; // keywarden:allow (fake)

export function sampleFindings(): Finding[] {
  const base = attachSecret(
    {
      ruleId: 'keyservice-secret-key',
      description: 'Key service secret key',
      path: 'src/dir with space/config,"x".ts',
      line: 12,
      column: 18,
      endColumn: 64,
      severity: 'critical',
      confidence: 'high',
      kind: 'secret',
      rotator: 'keyservice',
      entropy: 4.912345,
      preview: 'kwsk…(46)',
      secretHash: 'a'.repeat(64),
      fingerprint: 'src/dir with space/config,"x".ts:keyservice-secret-key:aaaaaaaaaaaaaaaa',
    },
    RAW_SECRET,
  );
  const history = attachSecret(
    {
      ruleId: 'aws-access-key-id',
      description: 'AWS access key ID',
      path: '=cmd|calc.txt',
      line: 3,
      column: 1,
      endColumn: 21,
      severity: 'high',
      confidence: 'medium',
      kind: 'secret',
      entropy: 3.7,
      preview: 'AKIA…(20)',
      secretHash: 'b'.repeat(64),
      fingerprint: '0123456789abcdef0123456789abcdef01234567:=cmd|calc.txt:aws-access-key-id:bbbbbbbbbbbbbbbb',
      commit: '0123456789abcdef0123456789abcdef01234567',
      author: 'Ada Lovelace',
      email: 'ada@example.com',
      date: '2026-11-23T09:00:00Z',
      message: 'add config\n\nlong body',
      decoded: ['base64'],
    },
    'AKIAIOSFODNN7EXAMPLE',
  );
  const publicKey: Finding = {
    ruleId: 'keyservice-public-key',
    description: 'Key service public key',
    path: 'web/app.js',
    line: 1,
    column: 5,
    endColumn: 51,
    severity: 'info',
    confidence: 'high',
    kind: 'public',
    entropy: 4.5,
    preview: 'kwpk…(46)',
    secretHash: 'c'.repeat(64),
    fingerprint: 'web/app.js:keyservice-public-key:cccccccccccccccc',
  };
  return [base, history, publicKey];
}

export function sampleReport(findings: Finding[] = sampleFindings()): ScanReport {
  return { findings, skipped: [{ path: 'big.bin', reason: 'binary', bytes: 10 }], stats: { files: 3, bytes: 2048, skipped: 1, durationMs: 12.6 } };
}
