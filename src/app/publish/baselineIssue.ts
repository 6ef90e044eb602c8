// After installation: one summary issue per repository listing what its default branch's
// history already holds, and the state of each leaked key (live / rolled / revoked) as the key
// service's verify tells it. Found again the way owner issues are: by listing the open
// `keywarden`-labelled issues and looking for a hidden marker (the Search API's index lags, so
// a re-run right after a crash would miss the issue and open a second one). The create is
// sent once-only (ONE_TRY): the job's retry looks again before creating.
import { blockingFindings, type Finding } from '../../scan/index.js';
import type { InstallationOctokit } from '../../github/client.js';
import { ONE_TRY } from '../../github/oneTry.js';
import type { KeyStateInfo } from '../../rotation/keyStates.js';
import { needsRotation } from '../../rotation/rotateJobData.js';
import { ISSUE_LABEL } from '../../rotation/ownerIssue.js';
import { formatUtc } from '../../rotation/issueBody.js';
import { howToSilence } from './findingText.js';

export const BASELINE_MARKER = '<!-- keywarden:baseline -->';

export interface BaselineIssueInput {
  owner: string;
  repo: string;
  defaultBranch: string;
  findings: Finding[];
  commits: number;
  truncated?: { reason: string; limit: number };
  labels: string[];
  assignees: string[];
  /** Each leaked key's state by secret hash (from the key service's verify), when known. */
  keyStates?: Map<string, KeyStateInfo>;
  /** What happened to the leaked keys: queued for rotation, or why not. */
  rotation?: 'queued' | 'baseline-off' | 'rotation-off' | 'invalid-config' | 'not-configured';
}

function stateCell(f: Finding, states: Map<string, KeyStateInfo> | undefined): string {
  if (!needsRotation(f)) return '';
  const s = states?.get(f.secretHash);
  if (!s) return 'not checked';
  if (s.state === 'rolled' && s.graceUntil) return `rolled (old secret works until ${formatUtc(s.graceUntil)})`;
  return s.state;
}

const ROTATION_NOTE: Record<NonNullable<BaselineIssueInput['rotation']>, string> = {
  queued: 'Live keys below are being rolled now (`rotation.baseline: true`); each gets its own issue with the deadline.',
  'baseline-off':
    'The keys below were **not** rolled: keywarden does not roll keys found in old history unless `rotation.baseline: true` is set in `.github/keywarden.yml`. Roll each **live** key yourself from the key service, or set that option.',
  'rotation-off': 'Rotation is off for this repository (`rotation: false`): no key below was rolled.',
  'invalid-config': 'No key below was rolled: `.github/keywarden.yml` is invalid.',
  'not-configured': 'No key below was rolled: this keywarden has no key service configured. Roll each **live** key yourself.',
};

export function baselineBody(i: BaselineIssueInput): string {
  const blocking = blockingFindings(i.findings);
  const lines = [
    `keywarden scanned ${i.commits} commit(s) of \`${i.defaultBranch}\` when it was installed and found ${i.findings.length} finding(s), ${blocking.length} of them leaked secrets.`,
    '',
    'These predate keywarden: they are listed here once and will not be commented on every pull request. Rotate every real secret below, then close this issue.',
  ];
  if (i.rotation && i.findings.some(needsRotation)) lines.push('', ROTATION_NOTE[i.rotation]);
  if (i.truncated) lines.push('', `Only part of the history was scanned (stopped at the ${i.truncated.limit} ${i.truncated.reason === 'max-commits' ? 'commits' : 'bytes'} cap).`);
  lines.push('', '| Rule | File | Line | Commit | Preview | Key state | Fingerprint |', '|---|---|---|---|---|---|---|');
  for (const f of i.findings.slice(0, 500)) lines.push(`| ${f.ruleId} | ${f.path} | ${f.line} | ${f.commit?.slice(0, 12) ?? ''} | \`${f.preview}\` | ${stateCell(f, i.keyStates)} | \`${f.fingerprint}\` |`);
  if (i.findings.length > 500) lines.push(`| … ${i.findings.length - 500} more | | | | | | |`);
  if (i.findings[0]) lines.push('', howToSilence(i.findings[0]).replace(/`[^`]*:[^`]*`/, 'its fingerprint'));
  lines.push('', BASELINE_MARKER);
  return lines.join('\n').slice(0, 65_000);
}

/** The repository's open baseline issue: listed by label (not searched), matched by marker. */
export async function findBaselineIssue(octokit: InstallationOctokit, owner: string, repo: string): Promise<number | undefined> {
  for (let page = 1; page <= 50; page++) {
    const { data } = await octokit.rest.issues.listForRepo({ owner, repo, labels: ISSUE_LABEL, state: 'open', per_page: 100, page });
    const hit = data.find((it) => !it.pull_request && (it.body ?? '').includes(BASELINE_MARKER));
    if (hit) return hit.number;
    if (data.length < 100) return undefined;
  }
  return undefined;
}

/** Creates or updates the repository's baseline issue; returns its number (none when clean). */
export async function publishBaselineIssue(octokit: InstallationOctokit, i: BaselineIssueInput): Promise<number | undefined> {
  if (i.findings.length === 0) return undefined;
  const body = baselineBody(i);
  const title = `keywarden: ${i.findings.length} finding(s) already in ${i.repo}'s history`;
  const existing = await findBaselineIssue(octokit, i.owner, i.repo);
  if (existing !== undefined) {
    await octokit.rest.issues.update({ owner: i.owner, repo: i.repo, issue_number: existing, title, body });
    return existing;
  }
  const assignees: string[] = [];
  for (const a of i.assignees) {
    const ok = await octokit.rest.issues.checkUserCanBeAssigned({ owner: i.owner, repo: i.repo, assignee: a }).then(() => true, () => false);
    if (ok) assignees.push(a);
  }
  // The label keywarden finds its issues by is always there, whatever the config's labels.
  const labels = [...new Set([ISSUE_LABEL, ...i.labels])];
  // A 502 can arrive after GitHub created the issue: sent once, and the job's retry finds it above.
  const { data } = await octokit.rest.issues.create({ owner: i.owner, repo: i.repo, title, body, labels, assignees, request: ONE_TRY });
  return data.number;
}
