// One scan job, as named steps that each return data: resolve the repository → load its
// config → fetch and scan only the commits the event adds (fetchAndScan.ts) → act: revoke
// leaked GitHub tokens, queue rotations (actOnFindings.ts) → publish: check run, review,
// baseline issue (publishScan.ts). The job's return value is stored in Redis, so it holds
// counts only. A job on an empty repository ends quietly (emptyRepository.ts).
import type { Job, Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { GitHubApp, InstallationOctokit } from '../../github/client.js';
import { GITHUB_COM_WEB_URL } from '../../github/endpoints.js';
import type { RotateJobData } from '../../rotation/rotateJobData.js';
import type { KeyStateReader } from '../../rotation/keyStates.js';
import { bytesScannedTotal, findingsTotal, scansTotal } from '../../queue/metrics.js';
import type { BaselineStore } from '../baselineStore.js';
import type { ScanJobData } from '../scanJobData.js';
import { scanJobId } from '../enqueueScan.js';
import { InvalidRepoConfig, loadRepoConfig, type RepoConfig } from '../repoConfig.js';
import type { PlanLimits } from './fetchPlan.js';
import { fetchAndScan } from './fetchAndScan.js';
import { failedOnEmptyRepository } from './emptyRepository.js';
import { actionNotes, actOnFindings } from './actOnFindings.js';
import { publishScan, scanCheckRunRef } from './publishScan.js';
import { startCheckRun } from '../publish/scanCheckRunState.js';

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
  /** Web root, for links when a job does not carry its repository's page. */
  webUrl?: string;
  /** Tests only: allow file:// clone URLs. */
  allowLocalClone?: boolean;
  /**
   * Runs fn while no other run of the same scan (same key: the scan's identity) is in its
   * report step: a Redis lock shared by all workers (queue/redisLock.ts).
   */
  /** True when this deployment has no key service: keys are reported, never queued for rotation. */
  rotationNotConfigured?: boolean;
  reportLock: <T>(scanId: string, fn: () => Promise<T>) => Promise<T>;
  /** The key service's verify (when configured): the state of each key a baseline finds. */
  keyStates?: KeyStateReader;
}

export interface ScanJobReturn {
  commits: number;
  bytes: number;
  findings: number;
  rotationsQueued: number;
  revoked: number;
  checkRunId?: number;
  reviewId?: number;
  /** A pull request scan superseded by a newer push: the pull request's head at report time. */
  supersededBy?: string;
  baselineIssue?: number;
  invalidConfig?: string;
  truncated?: string;
  /** The repository has no commits: nothing was scanned or reported. */
  emptyRepository?: true;
}

interface ResolvedRepository {
  defaultBranch: string;
  cloneUrl: string;
  /** The repository's web page on the GitHub that sent the job (github.com or Enterprise). */
  repoUrl: string;
}

/** An installation job names no default branch or clone URL: GitHub says. */
async function resolveRepository(octokit: InstallationOctokit, d: ScanJobData, webUrl: string): Promise<ResolvedRepository> {
  if (d.event !== 'installation' && d.defaultBranch) return { defaultBranch: d.defaultBranch, cloneUrl: d.cloneUrl, repoUrl: d.repoUrl ?? `${webUrl}/${d.owner}/${d.repo}` };
  const { data: repo } = await octokit.rest.repos.get({ owner: d.owner, repo: d.repo });
  return { defaultBranch: repo.default_branch, cloneUrl: repo.clone_url ?? d.cloneUrl, repoUrl: repo.html_url };
}

async function loadScanConfig(octokit: InstallationOctokit, d: ScanJobData, log: Logger): Promise<{ config: RepoConfig; invalidConfig?: string }> {
  const loaded = await loadRepoConfig(octokit, d.owner, d.repo);
  if (!(loaded instanceof InvalidRepoConfig)) return { config: loaded };
  // A broken config must not switch scanning off: scan with the defaults plus the valid rest
  // of the file, but don't rotate (the owner may have meant `rotation: false`), and say so on
  // the check run.
  log.warn({ reason: loaded.reason }, 'invalid .github/keywarden.yml; scanning with defaults and its valid parts');
  return { config: { ...loaded.usable, rotation: false }, invalidConfig: loaded.reason };
}

export async function processScanJob(job: Job<ScanJobData>, deps: ScanJobDeps): Promise<ScanJobReturn> {
  const d = job.data;
  const log = deps.log.child({ jobId: job.id, owner: d.owner, repo: d.repo, event: d.event });
  const octokit = await deps.github.installation(d.installationId);
  try {
    return await scanAndReport(d, octokit, log, deps);
  } catch (err) {
    // Nothing to scan is not a failure: no retries, no failure run, no baseline issue.
    if (!(await failedOnEmptyRepository(octokit, d.owner, d.repo, err))) throw err;
    log.info('the repository is empty: nothing to scan');
    return { commits: 0, bytes: 0, findings: 0, rotationsQueued: 0, revoked: 0, emptyRepository: true };
  }
}

async function scanAndReport(d: ScanJobData, octokit: InstallationOctokit, log: Logger, deps: ScanJobDeps): Promise<ScanJobReturn> {
  const scanId = scanJobId(d);
  // The run shows `in_progress` from the start: a required check then never waits on a job
  // that failed before it could report (scanWorker closes the run when the job fails for good).
  const runRef = scanCheckRunRef(d, scanId);
  if (runRef) await deps.reportLock(scanId, () => startCheckRun(octokit, runRef));
  const { defaultBranch, cloneUrl, repoUrl } = await resolveRepository(octokit, d, deps.webUrl ?? GITHUB_COM_WEB_URL);
  const { config, invalidConfig } = await loadScanConfig(octokit, d, log);
  const token = await deps.github.gitToken(d.installationId, d.repo);

  const { plan, result } = await fetchAndScan({ job: d, defaultBranch, cloneUrl, token, config, limits: deps.limits, allowLocalClone: deps.allowLocalClone, httpOrigin: deps.webUrl?.startsWith('http:') ? deps.webUrl : undefined, log });
  bytesScannedTotal.inc(result.bytes);
  for (const f of result.findings) findingsTotal.inc({ rule: f.ruleId, severity: f.severity });
  log.info({ commits: result.commits, bytes: result.bytes, findings: result.findings.length, truncated: result.truncated?.reason }, 'scan finished');

  const actions = await actOnFindings({ ...d, repoUrl }, result, { enabled: config.rotation, invalidConfig: invalidConfig !== undefined, notConfigured: deps.rotationNotConfigured, policy: config.rotationPolicy, notify: config.notify }, deps);

  // Each report finds what GitHub already holds, then writes: idempotent for runs one after
  // another, but two runs of one scan can overlap (a job whose lock ran out is handed to
  // another worker while its first run goes on), and both would look, miss and create. Under
  // the scan's lock the later run finds what the earlier one made and brings it up to date.
  const published = await deps.reportLock(scanId, () =>
    publishScan(octokit, { job: d, scanId, defaultBranch, headSha: plan.headSha, result, issues: config.issues, failing: config.failing, incompleteScan: config.incompleteScan, invalidConfig, notes: actionNotes(actions), actions }, deps),
  );
  if (published.supersededBy) log.info({ newerHead: published.supersededBy }, 'the pull request moved on while this scan ran: check run only, no review');
  scansTotal.inc({ event: d.event, result: result.findings.length > 0 ? 'findings' : 'clean' });
  return {
    commits: result.commits,
    bytes: result.bytes,
    findings: result.findings.length,
    rotationsQueued: actions.rotationsQueued,
    revoked: actions.revocations.filter((r) => r.outcome === 'revoked').length,
    ...published,
    invalidConfig,
    truncated: result.truncated?.reason,
  };
}
