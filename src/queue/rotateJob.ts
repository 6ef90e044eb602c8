// What one rotate job does: ask the rotator about the key, then tell the owner. Two phases,
// each safe to repeat: the rotation result is saved into the job before any GitHub call, so a
// retry caused by GitHub (a 502, a rate limit, a crash) never calls the key service again; and
// the GitHub side finds its own earlier issue and comments by their markers.
import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';
import type { RotateJobData } from './queues.js';
import { RotationError, type RotationResult, type RotatorRegistry } from '../rotation/rotator.js';
import type { GitHubClient, GitHubRetryOptions } from '../rotation/githubRetry.js';
import { ensureOwnerIssue, notePublicKeyOnPullRequest, type OwnerIssueResult } from '../rotation/ownerIssue.js';

/** The job's data as the worker keeps it: the app's payload plus the worker's progress. */
export interface RotateJobState extends RotateJobData {
  /** When the first request for this leak was sent (ms). Set BEFORE sending. */
  firstSentAt?: number;
  /** The rotator's answer, once known. */
  rotation?: RotationResult;
}

export interface RotateJobReturn {
  outcome: RotationResult['outcome'];
  issue?: number;
  issueCreated?: boolean;
}

export interface RotationMetrics {
  rotation(outcome: string): void;
  /** Seconds from webhook receipt to the key rolled. */
  webhookToRolled(seconds: number): void;
}

export interface RotateJobDeps {
  registry: RotatorRegistry;
  github(installationId: number): Promise<GitHubClient>;
  /** Labels and fallback assignees from the repository's config. */
  issueSettings?(job: RotateJobData): Promise<{ labels?: string[]; assignees?: string[]; rotation?: boolean }>;
  withLock?: <T>(key: string, fn: () => Promise<T>) => Promise<T>;
  metrics?: RotationMetrics;
  log: Logger;
  now?: () => Date;
  githubRetry?: GitHubRetryOptions;
}

export function sourceUrlOf(d: RotateJobData): string | undefined {
  if (d.pullRequest?.htmlUrl) return d.pullRequest.htmlUrl;
  if (d.htmlUrl) return d.htmlUrl;
  return d.commit ? `https://github.com/${d.owner}/${d.repo}/commit/${d.commit}` : undefined;
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

  const settings = (await deps.issueSettings?.(data)) ?? {};
  const issueOpts = { labels: settings.labels, assignees: settings.assignees, now: deps.now, retry: deps.githubRetry, withLock: deps.withLock };
  let issue: OwnerIssueResult | undefined;
  switch (result.outcome) {
    case 'rolled':
    case 'already_rolled':
    case 'revoked':
    case 'expired': {
      const gh = await deps.github(data.installationId);
      issue = await ensureOwnerIssue(gh, data, result, issueOpts);
      log.info({ issue: issue.number, created: issue.created, commented: issue.commented, pr: issue.pullRequestCommented }, 'owner told');
      break;
    }
    case 'public': {
      // The check run already shows the finding as neutral; on a PR, say why nothing happened.
      const gh = await deps.github(data.installationId);
      const noted = await notePublicKeyOnPullRequest(gh, data, result, issueOpts);
      log.info({ noted }, 'public key: nothing rotated');
      break;
    }
    default:
      // unknown / unsupported: not ours to roll; the finding stands in the check run.
      log.info({}, 'not rotated: the finding stands');
  }
  return { outcome: result.outcome, issue: issue?.number, issueCreated: issue?.created };
}
