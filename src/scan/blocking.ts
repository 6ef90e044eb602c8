// What blocks: a commit (pre-commit hook), a scan's exit code (CLI) and a check run's
// conclusion (App) all ask isBlocking, so they cannot disagree. The rule: every leaked
// secret blocks, whatever its severity or confidence; public keys (`kind = "public"`) are safe
// to publish and only informational. A policy can narrow it (`--fail-on high` lets lower
// severities through, `--min-confidence medium` lets low-confidence matches through);
// without one, the rule above holds.
import { CONFIDENCES, SEVERITIES, type Confidence, type Finding, type Severity } from './types.js';

export interface BlockingPolicy {
  /** Only secrets of this severity or worse block. Default: every severity. */
  failOn?: Severity;
  /** Only secrets found with at least this confidence block. Default: every confidence. */
  minConfidence?: Confidence;
}

type Judged = Pick<Finding, 'kind' | 'severity'> & Partial<Pick<Finding, 'confidence'>>;

export function isBlocking(f: Judged, policy: BlockingPolicy = {}): boolean {
  if (f.kind !== 'secret') return false;
  if (policy.failOn !== undefined && SEVERITIES.indexOf(f.severity) > SEVERITIES.indexOf(policy.failOn)) return false;
  if (policy.minConfidence !== undefined && f.confidence !== undefined && CONFIDENCES.indexOf(f.confidence) > CONFIDENCES.indexOf(policy.minConfidence)) return false;
  return true;
}

export function blockingFindings<F extends Judged>(findings: readonly F[], policy?: BlockingPolicy): F[] {
  return findings.filter((f) => isBlocking(f, policy));
}
