// One rule for what blocks, shared by the CLI's exit code, the pre-commit hook and the check
// run: every leaked secret, whatever its severity; never a public key.
import { describe, expect, it } from 'vitest';
import { blockingFindings, isBlocking, SEVERITIES } from '../../src/scan/index.js';

describe('isBlocking', () => {
  it('blocks a secret of every severity, a low one included', () => {
    for (const severity of SEVERITIES) expect(isBlocking({ kind: 'secret', severity })).toBe(true);
  });

  it('never blocks a public key', () => {
    for (const severity of SEVERITIES) expect(isBlocking({ kind: 'public', severity })).toBe(false);
  });

  it('lets a policy raise the bar: failOn high lets medium and below through', () => {
    const policy = { failOn: 'high' as const };
    expect(SEVERITIES.filter((severity) => isBlocking({ kind: 'secret', severity }, policy))).toEqual(['critical', 'high']);
    expect(isBlocking({ kind: 'public', severity: 'critical' }, { failOn: 'info' })).toBe(false);
  });

  it('lets a policy ask for confidence: minConfidence medium lets low-confidence matches through', () => {
    expect(isBlocking({ kind: 'secret', severity: 'critical', confidence: 'low' })).toBe(true);
    expect(isBlocking({ kind: 'secret', severity: 'critical', confidence: 'low' }, { minConfidence: 'medium' })).toBe(false);
    expect(isBlocking({ kind: 'secret', severity: 'low', confidence: 'medium' }, { minConfidence: 'medium' })).toBe(true);
    expect(isBlocking({ kind: 'secret', severity: 'low', confidence: 'high' }, { minConfidence: 'medium', failOn: 'high' })).toBe(false);
  });

  it('filters a list the same way', () => {
    const findings = [{ kind: 'secret', severity: 'low' }, { kind: 'public', severity: 'info' }, { kind: 'secret', severity: 'critical' }] as const;
    expect(blockingFindings(findings)).toEqual([findings[0], findings[2]]);
    expect(blockingFindings(findings, { failOn: 'medium' })).toEqual([findings[2]]);
  });
});
