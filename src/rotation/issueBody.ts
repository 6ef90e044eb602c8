// Text of the owner's issue and of the follow-up comments. Pure: the caller supplies the
// clock, so the "in 12 hours" wording and the exact UTC deadline are testable.
import { commitUrlOf, type RotateJobData } from './rotateJobData.js';
import type { RotationResult } from './rotator.js';

/** Hidden marker that identifies the issue of one leaked key in one repository. */
export function secretMarker(secretHash: string): string {
  return `<!-- keywarden:secret-hash=${secretHash} -->`;
}

/** Hidden marker of one event on that issue (one leak report), so a retry never comments twice. */
export function eventMarker(idempotencyKey: string): string {
  return `<!-- keywarden:event=${idempotencyKey} -->`;
}

/** `2026-11-24 09:00 UTC`: exact, unambiguous, readable in a title. */
export function formatUtc(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** "in 12 hours", "in 45 minutes", "already" — relative to `now`. */
export function formatRelative(iso: string, now: Date): string {
  const ms = Date.parse(iso) - now.getTime();
  if (!Number.isFinite(ms)) return 'at an unknown time';
  if (ms <= 0) return 'already';
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `in ${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.round(minutes / 60);
  return `in ${hours} hour${hours === 1 ? '' : 's'}`;
}

function keyKind(job: RotateJobData, result: RotationResult): string {
  const mode = result.mode ?? (/_live_/.test(job.preview) ? 'live' : /_test_/.test(job.preview) ? 'test' : undefined);
  return `${mode ? `${mode} ` : ''}${job.kind === 'public' ? 'public key' : 'secret key'}`;
}

export function issueTitle(job: RotateJobData, result: RotationResult): string {
  const kind = keyKind(job, result);
  const cap = kind.charAt(0).toUpperCase() + kind.slice(1);
  switch (result.outcome) {
    case 'rolled':
      return result.oldKeyExpiresAt
        ? `Leaked ${kind}: rolled, old key stops working ${formatUtc(result.oldKeyExpiresAt)}`
        : `Leaked ${kind}: rolled, update your deployments now`;
    case 'already_rolled':
      return result.oldKeyExpiresAt
        ? `Leaked ${kind}: already rolled, old key stops working ${formatUtc(result.oldKeyExpiresAt)}`
        : `Leaked ${kind}: already rolled`;
    case 'revoked_now':
      return `Leaked ${kind} in a public repository: revoked at once, issue a new key`;
    case 'revoked':
    case 'expired':
      return `${cap} leaked: it is already ${result.outcome}, remove it from the repository`;
    default:
      return `Leaked ${kind}: remove it from the repository`;
  }
}

/** Which key: its name and id from the key service, and the secret's last 4 characters. */
export function keyDescription(job: RotateJobData, result: RotationResult): string {
  // Anyone can read a public repository's issues: nothing there may help an outsider.
  if (job.publicRepo) return `\`${job.preview}\``;
  const parts: string[] = [];
  if (result.keyName) parts.push(`"${result.keyName.replace(/[|`\r\n]/g, ' ')}"`);
  if (result.keyId) parts.push(`id \`${result.keyId}\``);
  parts.push(job.last4 ? `secret ending in \`…${job.last4}\`` : `\`${job.preview}\``);
  return parts.join(', ');
}

function whereLines(job: RotateJobData, result: RotationResult): string[] {
  const commit = job.commit ? (job.htmlUrl ? `[\`${job.commit.slice(0, 12)}\`](${job.htmlUrl})` : `\`${job.commit.slice(0, 12)}\``) : 'unknown';
  const author = job.authorLogin ? `@${job.authorLogin}` : (job.author ?? 'unknown');
  const lines = [
    `| | |`,
    `|---|---|`,
    ...(job.reportedFrom ? [`| Repository | \`${job.reportedFrom}\` (its issues could not be opened) |`] : []),
    `| File | \`${job.path}\`, line ${job.line} |`,
    `| Commit | ${commit} |`,
  ];
  if (job.pullRequest) {
    lines.push(`| Pull request | ${job.pullRequest.htmlUrl ? `[#${job.pullRequest.number}](${job.pullRequest.htmlUrl})` : `#${job.pullRequest.number}`} |`);
  }
  lines.push(`| Author | ${author} |`, `| Rule | \`${job.ruleId}\` |`, `| Key | ${keyDescription(job, result)} |`);
  return lines;
}

export function hasGraceDeadline(result: RotationResult): result is RotationResult & { oldKeyExpiresAt: string } {
  return (result.outcome === 'rolled' || result.outcome === 'already_rolled') && !!result.oldKeyExpiresAt;
}

function deadlineLines(result: RotationResult, now: Date, verb: string): string[] {
  if (!hasGraceDeadline(result)) return [];
  const rolledAt = result.rolledAt ? formatUtc(result.rolledAt) : 'just now';
  return [
    `The key was ${verb} at **${rolledAt}**.`,
    '',
    `**The old key stops working at ${formatUtc(result.oldKeyExpiresAt)}** (${formatRelative(result.oldKeyExpiresAt, now)}). ` +
      'Anything still using it after that will be refused.',
  ];
}

/** The owner's steps, as markdown lines (the issue's and the email's). */
export function whatToDo(job: RotateJobData, result: RotationResult): string[] {
  const replacement = result.replacementKeyId && !job.publicRepo ? ` (\`${result.replacementKeyId}\`)` : '';
  const rolled = result.outcome === 'rolled' || result.outcome === 'already_rolled';
  return [
    '### What to do now',
    '',
    ...(result.outcome === 'revoked_now'
      ? ['1. Issue a new key in the key service, and put it in every deployment and secrets store (CI variables, vault, environment files) that used the revoked one: they are refused from now on.', '2. Check the key service\'s logs for use of the leaked key since it was pushed.']
      : rolled
      ? [
          `1. Get a working key. Rolling replaced the leaked key with a new key${replacement} whose secret nobody has seen: the key service never shows it to keywarden. **Roll that replacement key** (key service dashboard, or \`POST /v1/keys/{id}/roll\` with an owner key): you get a fresh secret, shown to you once, and the unseen one is retired.`,
          '2. Put the fresh secret in every deployment and secrets store (CI variables, vault, environment files) that uses the leaked key, before the deadline above.',
        ]
      : ['1. Make sure nothing still uses this key; issue a new key in the key service if something does.', '2. Update every deployment and secrets store that used it.']),
    '3. Remove the key from the code. If the repository is or was public, also purge it from the git history (for example with `git filter-repo`) and force-push: rolling makes the leaked value useless, purging stops it from being copied again.',
    '4. Close this issue once done.',
  ];
}

const FALSE_POSITIVE = [
  '### Not a real key?',
  '',
  'If this is a test fixture or an example, add `keywarden:allow` in a comment on that line, or add the fingerprint below to the allowlist in `.github/keywarden.yml`, then close this issue.',
];

export function issueBody(job: RotateJobData, result: RotationResult, now: Date): string {
  const intro: Record<string, string> = {
    rolled: 'keywarden found a live secret key in this repository and **rolled it**.',
    already_rolled: 'keywarden found a secret key in this repository. It had **already been rolled** before this leak was reported.',
    revoked_now:
      'keywarden found a live secret key in this **public** repository and **revoked it at once**: anyone can read a public repository and keys published there are harvested within minutes, so it got no grace period (`rotation.publicRepos: revoke`, the default). Anything still using it is refused from now on.',
    revoked: 'keywarden found a secret key in this repository. The key is **already revoked**, so it can no longer be used, but it should not stay in the code.',
    expired: 'keywarden found a secret key in this repository. The key has **already expired**, but it should not stay in the code.',
  };
  return [
    secretMarker(job.secretHash),
    eventMarker(job.idempotencyKey),
    intro[result.outcome] ?? 'keywarden found a secret key in this repository.',
    '',
    ...deadlineLines(result, now, result.outcome === 'rolled' ? 'rolled' : 'rolled earlier'),
    '',
    '### Where it leaked',
    '',
    ...whereLines(job, result),
    '',
    ...whatToDo(job, result),
    '',
    ...FALSE_POSITIVE,
    '',
    `Fingerprint: \`${job.fingerprint}\``,
    ...(commitUrlOf(job) && !job.htmlUrl ? ['', `Commit: ${commitUrlOf(job)}`] : []),
  ].join('\n');
}

/** Comment on an existing issue: another sighting of the same key, or a later leak report. */
export function followUpComment(job: RotateJobData, result: RotationResult, now: Date): string {
  const state: Record<string, string> = {
    rolled: 'The key was rolled.',
    already_rolled: 'The key is already in its grace period after an earlier roll; it was not rolled again.',
    revoked_now: 'The key was revoked at once (public repository).',
    revoked: 'The key is already revoked.',
    expired: 'The key has already expired.',
  };
  return [
    eventMarker(job.idempotencyKey),
    `The same key was found again: \`${job.path}\`, line ${job.line}${job.commit ? ` (commit \`${job.commit.slice(0, 12)}\`)` : ''}.`,
    '',
    state[result.outcome] ?? '',
    ...(hasGraceDeadline(result)
      ? ['', `The old key stops working at **${formatUtc(result.oldKeyExpiresAt)}** (${formatRelative(result.oldKeyExpiresAt, now)}).`]
      : []),
  ].join('\n');
}

/** Comment on the pull request the leak came from. */
export function pullRequestComment(job: RotateJobData, result: RotationResult, issueUrl: string | undefined, now: Date): string {
  const lines = [eventMarker(job.idempotencyKey)];
  if (result.outcome === 'public') {
    lines.push(
      `keywarden: \`${job.path}\` line ${job.line} holds a **public** key (\`${job.preview}\`). Public keys are safe to publish, so nothing was rotated.`,
    );
  } else {
    lines.push(`keywarden: this pull request leaked a secret key (\`${job.preview}\`, \`${job.path}\` line ${job.line}).`);
    if (hasGraceDeadline(result)) {
      lines.push('', `It has been rolled. The old key stops working at **${formatUtc(result.oldKeyExpiresAt)}** (${formatRelative(result.oldKeyExpiresAt, now)}).`);
    }
    if (issueUrl) lines.push('', `Follow-up and what to do: ${issueUrl}`);
  }
  return lines.join('\n');
}
