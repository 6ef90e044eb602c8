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
import { NOTIFY_JOB_OPTIONS } from '../queue/queues.js';
import { commitUrlOf, type RotateJobData, type RotateJobState } from './rotateJobData.js';
import { RotationError, type RotationResult, type RotatorRegistry } from './rotator.js';
import type { GitHubClient } from '../github/retry.js';
import { ensureOwnerIssue, notePublicKeyOnPullRequest, type OwnerIssueResult } from './ownerIssue.js';
import { isRefusedHere, notifyByFallback, type FallbackResult } from './notifyFallback.js';

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
  /** Labels and fallback assignees from the repository's config. */
  issueSettings?(job: RotateJobData): Promise<{ labels?: string[]; assignees?: string[]; fallbackRepo?: string }>;
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
    await processNotice({ ...data, rotation: result }, deps, log);
    return { outcome: result.outcome };
  }
  const notifyJobId = `notify-${data.idempotencyKey}`;
  await deps.notifyQueue.add('notify', { ...data, rotation: result }, { ...NOTIFY_JOB_OPTIONS, jobId: notifyJobId });
  return { outcome: result.outcome, notifyJobId };
}

export async function processNotifyJob(job: Job<RotateJobState>, deps: RotateJobDeps): Promise<NotifyJobReturn> {
  const data = job.data;
  const log = deps.log.child({ jobId: job.id, repo: `${data.owner}/${data.repo}`, rule: data.ruleId, secretHash: data.secretHash, attempt: job.attemptsMade + 1 });
  return processNotice(data, deps, log);
}

async function processNotice(data: RotateJobState, deps: RotateJobDeps, log: RotateJobDeps['log']): Promise<NotifyJobReturn> {
  const result = data.rotation;
  if (!result) throw new UnrecoverableError('NOTIFY_WITHOUT_ROTATION: a notify job must carry the rotation answer');
  const settings = (await deps.issueSettings?.(data)) ?? {};
  const issueOpts = { labels: settings.labels, assignees: settings.assignees, now: deps.now, withLock: deps.withLock };
  const gh = await deps.github(data.installationId);
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
    if (!isRefusedHere(err)) throw err;
    log.warn({ status: (err as { status?: number }).status, err: (err as Error).message }, 'cannot open the owner issue here; trying the fallbacks');
    const fb = await notifyByFallback(gh, data, result, settings.fallbackRepo, issueOpts, err);
    deps.metrics?.notifyFallback?.(fb.via);
    log.info({ via: fb.via, url: fb.url }, 'owner told another way');
    return { outcome: result.outcome, issue: fb.number, fallback: fb.via };
  }
  log.info({ issue: issue.number, created: issue.created, commented: issue.commented, pr: issue.pullRequestCommented }, 'owner told');
  return { outcome: result.outcome, issue: issue.number, issueCreated: issue.created, pullRequestCommented: issue.pullRequestCommented };
}
