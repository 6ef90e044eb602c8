// One scan job, start to finish: installation client → repository config → fetch only the
// commits the event adds → scan them in a worker thread → revoke leaked GitHub tokens (the
// raw token exists only here, in memory) → queue rotations (hash + preview only) → report
// (check run, PR review, baseline issue). The clone is always removed. The job's return
// value is stored in Redis, so it holds counts only.
import type { Job, Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Finding } from '../../scan/index.js';
import { attachSecret } from '../../scan/secret.js';
import type { RotateJobData, ScanJobData } from '../../queue/queues.js';
import { needsRotation, rotateJobFor } from '../../rotation/rotateJobData.js';
import { scanJobId } from '../enqueueScan.js';
import type { BaselineStore } from '../baselineStore.js';
import { bytesScannedTotal, findingsTotal, scansTotal } from '../../queue/metrics.js';
import type { GitHubApp } from '../../github/client.js';
import type { GitHubRetryOptions } from '../../github/retry.js';
import { DEFAULT_REPO_CONFIG, InvalidRepoConfig, loadRepoConfig } from '../repoConfig.js';
import { planScan, type PlanLimits } from './fetchPlan.js';
import { fetchCommits, FetchError } from './fetchCommits.js';
import { ZERO_SHA } from '../handlers/payload.js';
import { scanInThread } from './scanInThread.js';
import { publishCheckRun } from '../publish/checkRun.js';
import { publishPrReview } from '../publish/prReview.js';
import { publishBaselineIssue } from '../publish/baselineIssue.js';
import { leakId } from '../publish/findingText.js';

export interface ScanJobDeps {
  github: GitHubApp;
  rotateQueue: Queue<RotateJobData>;
  baseline: BaselineStore;
  log: Logger;
  limits: PlanLimits & { maxBytes: number };
  /** REST API root, for credential revocation. */
  baseUrl?: string;
  /** GitHub Enterprise Server host: credential revocation does not exist there. */
  gheHost?: string;
  webUrl?: string;
  /** Tests only: allow file:// clone URLs. */
  allowLocalClone?: boolean;
  /** Retry timing of GitHub calls, also for reports that retry whole steps themselves. */
  githubRetry?: GitHubRetryOptions;
  /**
   * Runs fn while no other run of the same scan (same key: the scan's identity) is in its
   * report step: a Redis lock shared by all workers (redisLock.ts).
   */
  reportLock: <T>(scanId: string, fn: () => Promise<T>) => Promise<T>;
}

export interface ScanJobReturn {
  commits: number;
  bytes: number;
  findings: number;
  rotationsQueued: number;
  revoked: number;
  checkRunId?: number;
  reviewId?: number;
  baselineIssue?: number;
  invalidConfig?: string;
  truncated?: string;
}

async function revokeGitHubTokensFound(findings: Finding[], tokens: Array<[string, string]>, deps: ScanJobDeps): Promise<string[]> {
  if (tokens.length === 0) return [];
  // Loaded only when there is something to revoke; the module belongs to the rotation side.
  const { revokeGitHubTokens } = await import('../../rotation/githubRevoker.js');
  const raw = new Map(tokens);
  for (const f of findings) {
    const t = raw.get(f.fingerprint);
    if (t) attachSecret(f, t);
  }
  raw.clear();
  tokens.length = 0;
  const reports = await revokeGitHubTokens(findings, { baseUrl: deps.baseUrl, ghe: deps.gheHost, log: deps.log });
  return reports.map((r) => `GitHub token ${r.fingerprint}: ${r.outcome}${r.reason ? ` (${r.reason})` : ''}`);
}

export async function processScanJob(job: Job<ScanJobData>, deps: ScanJobDeps): Promise<ScanJobReturn> {
  const d = job.data;
  const log = deps.log.child({ jobId: job.id, owner: d.owner, repo: d.repo, event: d.event });
  const octokit = await deps.github.installation(d.installationId);

  let { defaultBranch, cloneUrl } = d;
  if (d.event === 'installation' || !defaultBranch) {
    const { data: repo } = await octokit.rest.repos.get({ owner: d.owner, repo: d.repo });
    defaultBranch = repo.default_branch;
    cloneUrl = repo.clone_url ?? cloneUrl;
  }

  const loaded = await loadRepoConfig(octokit, d.owner, d.repo);
  const invalidConfig = loaded instanceof InvalidRepoConfig ? loaded.reason : undefined;
  // A broken config must not switch scanning off: scan with defaults, but don't rotate
  // (the owner may have meant `rotation: false`), and say so on the check run.
  const config = loaded instanceof InvalidRepoConfig ? { ...DEFAULT_REPO_CONFIG, rotation: false } : loaded;
  if (invalidConfig) log.warn({ reason: invalidConfig }, 'invalid .github/keywarden.yml; scanning with defaults');

  let plan = planScan({ ...d, defaultBranch }, defaultBranch, deps.limits);
  const token = await deps.github.installationToken(octokit);
  let clone;
  try {
    clone = await fetchCommits({ cloneUrl, token, wants: plan.wants, allowLocal: deps.allowLocalClone });
  } catch (err) {
    // A force push names a `before` the server no longer has: scan what the branch adds over
    // the default branch instead, as for a new branch.
    if (!(err instanceof FetchError) || d.event !== 'push' || !d.before || d.before === ZERO_SHA) throw err;
    log.warn({ before: d.before }, 'push base not fetchable (force push?); scanning the branch against the default branch');
    plan = planScan({ ...d, defaultBranch, before: ZERO_SHA }, defaultBranch, deps.limits);
    clone = await fetchCommits({ cloneUrl, token, wants: plan.wants, allowLocal: deps.allowLocalClone });
  }
  let result;
  try {
    result = await scanInThread({ repoDir: clone.dir, range: plan.range, config, maxCommits: plan.maxCommits, maxBytes: deps.limits.maxBytes });
  } finally {
    await clone.cleanup();
  }
  const { findings } = result;
  bytesScannedTotal.inc(result.bytes);
  for (const f of findings) findingsTotal.inc({ rule: f.ruleId, severity: f.severity });
  log.info({ commits: result.commits, bytes: result.bytes, findings: findings.length, truncated: result.truncated?.reason }, 'scan finished');

  const notes = await revokeGitHubTokensFound(findings, result.githubTokens, deps);

  let rotationsQueued = 0;
  if (config.rotation) {
    const htmlUrlBase = `${deps.webUrl ?? 'https://github.com'}/${d.owner}/${d.repo}`;
    const pullRequest = d.pullRequest ? { number: d.pullRequest.number, htmlUrl: d.pullRequest.htmlUrl } : undefined;
    for (const f of findings.filter(needsRotation)) {
      const { name, data, opts } = rotateJobFor(f, { receivedAt: d.receivedAt, installationId: d.installationId, owner: d.owner, repo: d.repo, pullRequest, htmlUrlBase, commitAuthors: d.commitAuthors, actorLogin: d.actorLogin });
      await deps.rotateQueue.add(name, data, opts);
      rotationsQueued++;
    }
    if (rotationsQueued > 0) notes.push(`${rotationsQueued} leaked key(s) queued for rotation.`);
  } else if (findings.some(needsRotation)) {
    notes.push(invalidConfig ? 'Rotation skipped: the config is invalid.' : 'Rotation is off for this repository (rotation: false).');
  }

  const out: ScanJobReturn = { commits: result.commits, bytes: result.bytes, findings: findings.length, rotationsQueued, revoked: notes.filter((n) => n.endsWith(': revoked')).length, invalidConfig, truncated: result.truncated?.reason };
  const scanId = scanJobId(d);
  // Each report finds what GitHub already holds, then writes: idempotent for runs one after
  // another, but two runs of one scan can overlap (a job whose lock ran out is handed to
  // another worker while its first run goes on), and both would look, miss and create. Under
  // the scan's lock the later run finds what the earlier one made and brings it up to date.
  await deps.reportLock(scanId, async () => {
    if (d.event === 'installation') {
      await deps.baseline.add(d.owner, d.repo, findings.map(leakId));
      out.baselineIssue = await publishBaselineIssue(octokit, { owner: d.owner, repo: d.repo, defaultBranch, findings, commits: result.commits, truncated: result.truncated, labels: config.issues.labels, assignees: config.issues.assignees });
    } else if (plan.headSha) {
      out.checkRunId = await publishCheckRun(octokit, { owner: d.owner, repo: d.repo, headSha: plan.headSha, externalId: scanId, findings, skipped: result.skipped, commits: result.commits, bytes: result.bytes, truncated: result.truncated, invalidConfig, notes }, deps.githubRetry);
      if (d.pullRequest) {
        const review = await publishPrReview(octokit, { owner: d.owner, repo: d.repo, pullNumber: d.pullRequest.number, headSha: d.pullRequest.headSha, findings, baseline: await deps.baseline.get(d.owner, d.repo) }, deps.githubRetry);
        out.reviewId = review.reviewId;
      }
    }
  });
  scansTotal.inc({ event: d.event, result: findings.length > 0 ? 'findings' : 'clean' });
  return out;
}
