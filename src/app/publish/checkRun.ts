// The check run on the head commit (`keywarden` for a push, `keywarden / pull request` for a
// pull request, `keywarden / tag` for a pushed tag). Conclusion: failure when a secret leaked
// (isBlocking, the same rule as the CLI's exit code and the pre-commit hook), neutral when
// only public keys were found (or the config is invalid and nothing blocking was found),
// success when clean. GitHub takes at most 50 annotations per call: the first batch goes
// with the create, the rest with updates.
import { blockingFindings, isBlocking, type BlockingPolicy, type Finding, type SkippedFragment } from '../../scan/index.js';
import type { InstallationOctokit } from '../../github/client.js';
import { findingMessage, findingTitle } from './findingText.js';
import { isTagRef } from '../handlers/payload.js';
import { findCheckRun, unsentAnnotations } from './existingCheckRun.js';
import { ONE_TRY } from '../../github/oneTry.js';

/** The push scan's check run. */
export const CHECK_NAME = 'keywarden';
/**
 * The pull request scan's check run. GitHub's merge box and required checks use the latest
 * run of each name on a commit, so the two scans of one head commit need different names:
 * otherwise a clean push scan finishing after the pull request's failing one hides it.
 */
export const PR_CHECK_NAME = 'keywarden / pull request';

/**
 * The tag push scan's check run, on the commit the tag points to. Release tags nearly always
 * point at a commit its branch's push scan already reported on, and a tag's scan covers only
 * what the tag adds over the default branch (often nothing): under the push scan's name, its
 * `success` would become the latest `keywarden` run and hide that scan's failure.
 */
export const TAG_CHECK_NAME = 'keywarden / tag';

export function checkNameFor(event: 'push' | 'pull_request' | 'installation', ref?: string): string {
  if (event === 'pull_request') return PR_CHECK_NAME;
  return isTagRef(ref) ? TAG_CHECK_NAME : CHECK_NAME;
}
export const ANNOTATIONS_PER_CALL = 50;

export interface CheckRunReport {
  owner: string;
  repo: string;
  headSha: string;
  /** The check run's name (checkNameFor): what GitHub's required checks match. */
  name: string;
  /** The scan's identity (its job id): what a repeat of the same scan finds its check run by. */
  externalId: string;
  findings: Finding[];
  skipped: SkippedFragment[];
  commits: number;
  bytes: number;
  truncated?: { reason: string; limit: number };
  /** Commits and files the scan did not cover (caps, files too large). */
  /** commitsAtLeast: the shallow clone ends inside the range, so `commits` is a lower bound. */
  notScanned?: { commits: number; files: number; commitsAtLeast?: boolean };
  /** The conclusion of an incomplete scan that found nothing blocking (default neutral). */
  incompleteScan?: 'neutral' | 'action_required';
  /** Set when .github/keywarden.yml could not be used: the reason. */
  invalidConfig?: string;
  /** Lines about rotation / revocation to add to the summary. */
  notes?: string[];
  /** Which findings fail the run (.github/keywarden.yml minConfidence / failOn); absent: every secret. */
  policy?: BlockingPolicy;
}

type Conclusion = 'success' | 'neutral' | 'failure' | 'action_required';

/** "2 commits / 1 file not scanned", or undefined when the scan covered everything. */
export function notScannedText(r: Pick<CheckRunReport, 'notScanned' | 'truncated'>): string | undefined {
  const commits = r.notScanned?.commits ?? 0;
  const files = r.notScanned?.files ?? 0;
  const parts = [commits > 0 && `${r.notScanned?.commitsAtLeast ? 'at least ' : ''}${commits} commit${commits === 1 ? '' : 's'}`, files > 0 && `${files} file${files === 1 ? '' : 's'}`].filter((p): p is string => !!p);
  if (parts.length > 0) return `${parts.join(' / ')} not scanned`;
  return r.truncated ? 'not everything was scanned' : undefined;
}

export function conclusionOf(r: Pick<CheckRunReport, 'findings' | 'invalidConfig' | 'policy' | 'notScanned' | 'truncated' | 'incompleteScan'>): Conclusion {
  if (r.findings.some((f) => isBlocking(f, r.policy))) return 'failure';
  // A scan that did not cover everything cannot say the commit is clean.
  if (notScannedText(r)) return r.incompleteScan ?? 'neutral';
  if (r.findings.length > 0 || r.invalidConfig) return 'neutral';
  return 'success';
}

function titleOf(r: CheckRunReport, conclusion: Conclusion): string {
  const blocking = blockingFindings(r.findings, r.policy).length;
  const base =
    conclusion === 'failure' ? `${blocking} leaked secret${blocking === 1 ? '' : 's'} found`
    : r.findings.length > 0 ? `${r.findings.length} informational finding${r.findings.length === 1 ? '' : 's'} (public keys${r.policy?.minConfidence || r.policy?.failOn ? ', or below the failing level' : ''})`
    : 'No leaked secrets';
  const missed = notScannedText(r);
  const withMissed = missed ? `${base} (${missed})` : base;
  return r.invalidConfig ? `Invalid .github/keywarden.yml: ${r.invalidConfig.slice(0, 120)} — ${withMissed}` : withMissed;
}

function summaryOf(r: CheckRunReport): string {
  const lines = [`Scanned ${r.commits} commit(s), ${r.bytes} bytes of added lines.`];
  if (r.invalidConfig) lines.push('', `**.github/keywarden.yml is invalid**: ${r.invalidConfig}`, 'The scan ran with the built-in defaults plus the valid parts of the file, and rotation was skipped. Fix the file to restore all your settings.');
  const missed = notScannedText(r);
  if (missed) {
    const why = [
      r.notScanned?.commits ? `the scan stopped at the ${r.truncated?.limit ?? ''} commit cap (SCAN_MAX_COMMITS)` : '',
      r.notScanned?.files ? `files larger than the scan's byte budget (SCAN_MAX_BYTES) or the scanner's size limit per file were skipped (see "Skipped: too-large")` : '',
    ].filter(Boolean);
    lines.push('', `**${missed[0].toUpperCase()}${missed.slice(1)}**${why.length ? `: ${why.join('; ')}` : ''}. Scan them locally with \`keywarden scan\`.`);
  }
  if (r.skipped.length > 0) {
    const byReason = new Map<string, number>();
    for (const s of r.skipped) byReason.set(s.reason, (byReason.get(s.reason) ?? 0) + 1);
    lines.push('', `Skipped: ${[...byReason].map(([k, n]) => `${n} ${k}`).join(', ')}.`);
  }
  if (r.findings.length > 0) {
    lines.push('', '| Rule | File | Line | Preview | Fingerprint |', '|---|---|---|---|---|');
    for (const f of r.findings.slice(0, 100)) lines.push(`| ${f.ruleId} | ${f.path} | ${f.line} | \`${f.preview}\` | \`${f.fingerprint}\` |`);
    if (r.findings.length > 100) lines.push(`| … ${r.findings.length - 100} more | | | | |`);
  }
  if (r.notes?.length) lines.push('', ...r.notes);
  // GitHub caps the summary at 65535 characters.
  return lines.join('\n').slice(0, 65_000);
}

export function annotationOf(f: Finding, policy?: BlockingPolicy) {
  return {
    path: f.path,
    start_line: f.line,
    end_line: f.line,
    start_column: f.column,
    end_column: Math.max(f.column, f.endColumn),
    annotation_level: isBlocking(f, policy) ? ('failure' as const) : ('notice' as const),
    title: findingTitle(f),
    message: findingMessage(f),
  };
}

/**
 * Publishes the scan's check run and returns its id. Idempotent per scan: a repeat (a retried
 * job, or a write that failed after GitHub acted) finds the run by its external_id, brings
 * its conclusion and text up to date, and sends only the annotations it lacks.
 */
export async function publishCheckRun(octokit: InstallationOctokit, r: CheckRunReport): Promise<number> {
  // Writes go once (ONE_TRY); a failed one fails the job's attempt, and the job's retry starts
  // this step again from what GitHub holds (github/retry.ts: the one retry layer).
  const conclusion = conclusionOf(r);
  const output = { title: titleOf(r, conclusion), summary: summaryOf(r) };
  const completed = { status: 'completed' as const, conclusion, completed_at: new Date().toISOString() };
  const ref = { owner: r.owner, repo: r.repo, headSha: r.headSha, name: r.name, externalId: r.externalId };
  const existing = await findCheckRun(octokit, ref);
  let annotations = r.findings.map((f) => annotationOf(f, r.policy));
  let id: number;
  if (existing) {
    annotations = await unsentAnnotations(octokit, ref, existing, annotations);
    id = existing.id;
    await octokit.rest.checks.update({
      owner: r.owner,
      repo: r.repo,
      check_run_id: id,
      ...completed,
      output: { ...output, annotations: annotations.slice(0, ANNOTATIONS_PER_CALL) },
      request: ONE_TRY,
    });
  } else {
    const { data } = await octokit.rest.checks.create({
      owner: r.owner,
      repo: r.repo,
      name: r.name,
      head_sha: r.headSha,
      external_id: r.externalId,
      ...completed,
      output: { ...output, annotations: annotations.slice(0, ANNOTATIONS_PER_CALL) },
      request: ONE_TRY,
    });
    id = data.id;
  }
  for (let i = ANNOTATIONS_PER_CALL; i < annotations.length; i += ANNOTATIONS_PER_CALL) {
    await octokit.rest.checks.update({
      owner: r.owner,
      repo: r.repo,
      check_run_id: id,
      output: { ...output, annotations: annotations.slice(i, i + ANNOTATIONS_PER_CALL) },
      request: ONE_TRY,
    });
  }
  return id;
}
