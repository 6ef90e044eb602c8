// After installation: one summary issue per repository listing what its default branch's
// history already holds. Found again by a hidden marker, so a re-run updates it instead of
// opening a second one.
import { blockingFindings, type Finding } from '../../scan/index.js';
import type { InstallationOctokit } from '../../github/client.js';
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
}

export function baselineBody(i: BaselineIssueInput): string {
  const blocking = blockingFindings(i.findings);
  const lines = [
    `keywarden scanned ${i.commits} commit(s) of \`${i.defaultBranch}\` when it was installed and found ${i.findings.length} finding(s), ${blocking.length} of them leaked secrets.`,
    '',
    'These predate keywarden: they are listed here once and will not be commented on every pull request. Rotate every real secret below, then close this issue.',
  ];
  if (i.truncated) lines.push('', `Only part of the history was scanned (stopped at the ${i.truncated.limit} ${i.truncated.reason === 'max-commits' ? 'commits' : 'bytes'} cap).`);
  lines.push('', '| Rule | File | Line | Commit | Preview | Fingerprint |', '|---|---|---|---|---|---|');
  for (const f of i.findings.slice(0, 500)) lines.push(`| ${f.ruleId} | ${f.path} | ${f.line} | ${f.commit?.slice(0, 12) ?? ''} | \`${f.preview}\` | \`${f.fingerprint}\` |`);
  if (i.findings.length > 500) lines.push(`| … ${i.findings.length - 500} more | | | | | |`);
  if (i.findings[0]) lines.push('', howToSilence(i.findings[0]).replace(/`[^`]*:[^`]*`/, 'its fingerprint'));
  lines.push('', BASELINE_MARKER);
  return lines.join('\n').slice(0, 65_000);
}

/** Creates or updates the repository's baseline issue; returns its number (none when clean). */
export async function publishBaselineIssue(octokit: InstallationOctokit, i: BaselineIssueInput): Promise<number | undefined> {
  if (i.findings.length === 0) return undefined;
  const body = baselineBody(i);
  const title = `keywarden: ${i.findings.length} finding(s) already in ${i.repo}'s history`;
  const found = await octokit.rest.search.issuesAndPullRequests({ q: `repo:${i.owner}/${i.repo} is:issue in:body "keywarden:baseline"`, per_page: 5 });
  const existing = found.data.items.find((it) => it.body?.includes(BASELINE_MARKER));
  if (existing) {
    await octokit.rest.issues.update({ owner: i.owner, repo: i.repo, issue_number: existing.number, title, body });
    return existing.number;
  }
  const assignees: string[] = [];
  for (const a of i.assignees) {
    const ok = await octokit.rest.issues.checkUserCanBeAssigned({ owner: i.owner, repo: i.repo, assignee: a }).then(() => true, () => false);
    if (ok) assignees.push(a);
  }
  const { data } = await octokit.rest.issues.create({ owner: i.owner, repo: i.repo, title, body, labels: i.labels, assignees });
  return data.number;
}
