// What blocks: a commit (pre-commit hook), a scan's exit code (CLI) and a check run's
// conclusion (App) all ask isBlocking, so they cannot disagree. The rule: every leaked
// secret blocks, whatever its severity; public keys (`kind = "public"`) are safe to publish
// and only informational. A policy can narrow it (a `--fail-on high` run lets lower
// severities through); without one, the rule above holds.
import { SEVERITIES, type Finding, type Severity } from './types.js';

export interface BlockingPolicy {
  /** Only secrets of this severity or worse block. Default: every severity. */
  failOn?: Severity;
}

export function isBlocking(f: Pick<Finding, 'kind' | 'severity'>, policy: BlockingPolicy = {}): boolean {
  if (f.kind !== 'secret') return false;
  return policy.failOn === undefined || SEVERITIES.indexOf(f.severity) <= SEVERITIES.indexOf(policy.failOn);
}

export function blockingFindings<F extends Pick<Finding, 'kind' | 'severity'>>(findings: readonly F[], policy?: BlockingPolicy): F[] {
  return findings.filter((f) => isBlocking(f, policy));
}
