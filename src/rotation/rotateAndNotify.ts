// What one leak goes through, in two queued steps so that rolling never waits for GitHub:
//   `rotate`: ask the rotator about the key; save its answer in the job; queue the `notify`
//             step (job id from the leak, so a retry or re-run never queues it twice);
//   `notify`: tell the owner (issue, comments), retried on its own.
// GitHub spaces content-creating requests seconds apart (and so does Octokit's throttling),
// so a burst of leaks would otherwise hold the rotate slots and delay the rolls behind it.
// Each step is safe to repeat: a rotate retry reuses the saved answer instead of calling the
// key service again; notify finds its own earlier issue and comments by their markers.
import { UnrecoverableError, type Job, type Queue } from 'bullmq';
import type { Logger } from 'pino';
import { NOTIFY_JOB_OPTIONS, NOTIFY_QUEUE } from '../queue/queues.js';
import { commitUrlOf, type RotateJobData, type RotateJobState } from './rotateJobData.js';
import { RotationError, type RotationResult, type RotatorRegistry } from './rotator.js';
import type { GitHubClient } from '../github/retry.js';
import { ensureOwnerIssue, notePublicKeyOnPullRequest, type OwnerIssueResult } from './ownerIssue.js';
import { isRefusedHere, missingChannel, notifyByEmail, notifyByFallback, type EmailFallback, type FallbackResult } from './notifyFallback.js';
import type { EmailSender } from './emailNotice.js';
import { installationLossOf, type InstallationLoss } from '../github/installationAccess.js';

export interface RotateJobReturn {
  outcome: RotationResult['outcome'];
  /** Id of the queued notify job, when the owner is to be told. */
  notifyJobId?: string;
}

export interface NotifyJobReturn {
  outcome: RotationResult['outcome'];
  issue?: number;
  issueCreated?: boolean;
  pullRequestCommented?: boolean;
  /** The issue could not be opened; the owner was told this way instead. */
  fallback?: FallbackResult['via'];
}

/** Outcomes the owner hears about. `unknown` / `unsupported`: the finding stands in the check run. */
export function needsNotice(outcome: RotationResult['outcome']): boolean {
  return outcome !== 'unknown' && outcome !== 'unsupported';
}

export interface RotationMetrics {
  rotation(outcome: string): void;
  /** Seconds from webhook receipt to the key rolled. */
  webhookToRolled(seconds: number): void;
  /** A notify job failed for good: nobody was told (by error code). */
  notifyFailed?(code: string): void;
  /** The owner was told another way than the issue (commit-comment, fallback-repo). */
  notifyFallback?(via: string): void;
}

export interface RotateJobDeps {
  registry: RotatorRegistry;
  notifyQueue?: Queue<RotateJobState>;
  github(installationId: number): Promise<GitHubClient>;
  /** Labels, fallback assignees and other contacts from the repository's config. */
  issueSettings?(job: RotateJobData): Promise<{ labels?: string[]; assignees?: string[]; fallbackRepo?: string; email?: string }>;
  /** SMTP (SMTP_URL), for `notify.email`: the last way to tell someone. */
  email?: EmailSender;
  withLock?: <T>(key: string, fn: () => Promise<T>) => Promise<T>;
  metrics?: RotationMetrics;
  log: Logger;
  now?: () => Date;
}

export function sourceUrlOf(d: RotateJobData): string | undefined {
  if (d.pullRequest?.htmlUrl) return d.pullRequest.htmlUrl;
  return d.htmlUrl ?? commitUrlOf(d);
}

async function rotateOnce(job: Job<RotateJobState>, deps: RotateJobDeps): Promise<RotationResult> {
  const data = job.data;
  if (data.rotation) return data.rotation;
  const rotator = deps.registry.get(data.rotator);
  if (!rotator) {
    throw new UnrecoverableError(`ROTATOR_UNKNOWN: no rotator named "${data.rotator}" is configured (known: ${deps.registry.names().join(', ') || 'none'})`);
  }
  const previouslySent = data.firstSentAt;
  if (previouslySent === undefined) await job.updateData({ ...data, firstSentAt: Date.now() });
  let result: RotationResult;
  try {
    result = await rotator.rotate({
      secretHash: data.secretHash,
      idempotencyKey: data.idempotencyKey,
      sourceUrl: sourceUrlOf(data),
      description: `${data.ruleId} in ${data.owner}/${data.repo}:${data.path}:${data.line}`,
      firstSentAt: previouslySent,
      ...(data.action ? { action: data.action } : {}),
    });
  } catch (err) {
    if (err instanceof RotationError && !err.retryable) throw new UnrecoverableError(`${err.code}: ${err.message}`);
    throw err;
  }
  await job.updateData({ ...job.data, rotation: result });
  deps.metrics?.rotation(result.outcome);
  if (result.outcome === 'rolled') deps.metrics?.webhookToRolled(Math.max(0, Date.now() - data.receivedAt) / 1000);
  return result;
}

export async function processRotateJob(job: Job<RotateJobState>, deps: RotateJobDeps): Promise<RotateJobReturn> {
  const data = job.data;
  const log = deps.log.child({ jobId: job.id, repo: `${data.owner}/${data.repo}`, rule: data.ruleId, secretHash: data.secretHash, attempt: job.attemptsMade + 1 });
  const result = await rotateOnce(job, deps);
  log.info({ outcome: result.outcome, via: result.via, keyId: result.keyId, oldKeyExpiresAt: result.oldKeyExpiresAt }, 'rotation answered');
  if (!needsNotice(result.outcome)) {
    log.info({}, 'not rotated: the finding stands');
    return { outcome: result.outcome };
  }
  if (!deps.notifyQueue) {
    await processNotice(job, { ...data, rotation: result }, deps, log);
    return { outcome: result.outcome };
  }
  const notifyJobId = `notify-${data.idempotencyKey}`;
  await deps.notifyQueue.add('notify', { ...data, rotation: result }, { ...NOTIFY_JOB_OPTIONS, jobId: notifyJobId });
  return { outcome: result.outcome, notifyJobId };
}

export async function processNotifyJob(job: Job<RotateJobState>, deps: RotateJobDeps): Promise<NotifyJobReturn> {
  const data = job.data;
  const log = deps.log.child({ jobId: job.id, repo: `${data.owner}/${data.repo}`, rule: data.ruleId, secretHash: data.secretHash, attempt: job.attemptsMade + 1 });
  return processNotice(job, data, deps, log);
}

async function processNotice(job: Job<RotateJobState>, data: RotateJobState, deps: RotateJobDeps, log: RotateJobDeps['log']): Promise<NotifyJobReturn> {
  const result = data.rotation;
  if (!result) throw new UnrecoverableError('NOTIFY_WITHOUT_ROTATION: a notify job must carry the rotation answer');
  // The settings the scan read travel in the job: with the App uninstalled they cannot be read again.
  const email: EmailFallback = { to: data.notify?.email, sender: deps.email, once: (send) => mailOnce(job, deps, send) };
  try {
    return await noticeOnGitHub(data, result, email, deps, log);
  } catch (err) {
    const loss = installationLossOf(err);
    if (!loss) throw err;
    return noticeWithoutGitHub(data, result, email, loss, deps, log);
  }
}

/**
 * Sends at most once per leak: under a Redis lock, the job's stored data (read again: a run
 * picked up again while the first goes on holds stale data) says whether a run already mailed.
 */
async function mailOnce(job: Job<RotateJobState>, deps: RotateJobDeps, send: () => Promise<void>): Promise<void> {
  const lock = deps.withLock ?? (<T>(_k: string, fn: () => Promise<T>) => fn());
  await lock(`email:${job.data.idempotencyKey}`, async () => {
    const stored = job.queueName === NOTIFY_QUEUE && job.id && deps.notifyQueue ? await deps.notifyQueue.getJob(job.id) : undefined;
    const data = stored?.data ?? job.data;
    if (data.emailedAt !== undefined) return;
    await send();
    await job.updateData({ ...data, emailedAt: Date.now() });
  });
}

async function noticeOnGitHub(data: RotateJobState, result: RotationResult, email: EmailFallback, deps: RotateJobDeps, log: RotateJobDeps['log']): Promise<NotifyJobReturn> {
  // The client first: a token GitHub refuses (the App uninstalled) ends this path at once.
  const gh = await deps.github(data.installationId);
  // The repository's config as it is now; the one the scan read when there is none to read.
  const fresh = await deps.issueSettings?.(data);
  const settings = fresh ?? { ...data.notify };
  email.to = settings.email;
  const issueOpts = { labels: settings.labels, assignees: settings.assignees, now: deps.now, withLock: deps.withLock };
  if (result.outcome === 'public') {
    // The check run already shows the finding as neutral; on a PR, say why nothing happened.
    const noted = await notePublicKeyOnPullRequest(gh, data, result, issueOpts);
    log.info({ noted }, 'public key: nothing rotated');
    return { outcome: result.outcome, pullRequestCommented: noted };
  }
  let issue: OwnerIssueResult;
  try {
    issue = await ensureOwnerIssue(gh, data, result, issueOpts);
  } catch (err) {
    if (installationLossOf(err) || !isRefusedHere(err)) throw err;
    log.warn({ status: (err as { status?: number }).status, err: (err as Error).message }, 'cannot open the owner issue here; trying the fallbacks');
    const fb = await notifyByFallback(gh, data, result, settings.fallbackRepo, issueOpts, err, email);
    deps.metrics?.notifyFallback?.(fb.via);
    log.info({ via: fb.via, url: fb.url }, 'owner told another way');
    return { outcome: result.outcome, issue: fb.number, fallback: fb.via };
  }
  log.info({ issue: issue.number, created: issue.created, commented: issue.commented, pr: issue.pullRequestCommented }, 'owner told');
  return { outcome: result.outcome, issue: issue.number, issueCreated: issue.created, pullRequestCommented: issue.pullRequestCommented };
}

/**
 * The App is gone from the installation (uninstalled: the token request answers 404; or
 * suspended: 403): no issue, comment or fallback repository can be written, so the email is
 * the only way left. Without one the job fails for good, loudly: the key was rolled anyway.
 */
async function noticeWithoutGitHub(data: RotateJobState, result: RotationResult, email: EmailFallback, loss: InstallationLoss, deps: RotateJobDeps, log: RotateJobDeps['log']): Promise<NotifyJobReturn> {
  const state = loss === 'uninstalled' ? 'no longer installed' : 'suspended';
  if (result.outcome === 'public') {
    // A public key needs no notice: nothing was rotated.
    log.info({ loss }, 'public key, App gone: nothing to tell');
    return { outcome: result.outcome };
  }
  const why = `the keywarden GitHub App is ${state} on ${data.owner}, so no issue or comment can be written there`;
  if (await notifyByEmail(data, result, email, why, (deps.now ?? (() => new Date()))())) {
    deps.metrics?.notifyFallback?.('email');
    log.warn({ loss, via: 'email' }, 'the App is gone from this installation; owner told by email');
    return { outcome: result.outcome, fallback: 'email' };
  }
  const code = loss === 'uninstalled' ? 'NOTIFY_APP_UNINSTALLED' : 'NOTIFY_APP_SUSPENDED';
  const message = `${code}: the keywarden App is ${state} on installation ${data.installationId} (${data.owner}), so nobody can be told on GitHub about the leak in ${data.owner}/${data.repo}:${data.path} (the key's outcome: ${result.outcome}); ${missingChannel(email, false)}`;
  log.error({ loss, code, outcome: result.outcome }, `${message}. Nobody was told.`);
  throw new UnrecoverableError(message);
}
