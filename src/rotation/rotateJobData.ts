// The hand-off from the scan worker to the rotate worker: one job per leaked key that has a
// rotator. Built from a Finding, but only its hash and redacted preview travel; the jobId
// comes from the fingerprint so a rescan or retry never queues the same leak twice.
import type { Finding } from '../scan/types.js';
import type { JobsOptions } from 'bullmq';
import { idempotencyKeyFor, type RotationResult } from './rotator.js';
import { ROTATE_JOB_OPTIONS } from '../queue/queues.js';

/** What the scan worker hands to the rotate worker: one job per leaked key. */
export interface RotateJobData {
  receivedAt: number;
  installationId: number;
  owner: string;
  repo: string;
  ruleId: string;
  rotator: string;
  kind: 'secret' | 'public';
  /** SHA-256 hex of the secret. */
  secretHash: string;
  preview: string;
  /** The secret's last 4 characters (rotatable keys only), to tell the owner which key. */
  last4?: string;
  fingerprint: string;
  /** UUID derived from the fingerprint, reused on every retry as X-Idempotency-Key. */
  idempotencyKey: string;
  path: string;
  line: number;
  commit?: string;
  author?: string;
  email?: string;
  authorLogin?: string;
  pullRequest?: { number: number; htmlUrl?: string };
  /** The repository's web page, on the GitHub it lives on (github.com or Enterprise). */
  repoUrl?: string;
  /** The leaking line's page. */
  htmlUrl?: string;
  /**
   * The repository is public: the owner's issue (readable by anyone) names no key id, name or
   * anything else that helps an outsider.
   */
  publicRepo?: boolean;
  /** `revoke`: end the key at once (a public repository, `rotation.publicRepos: revoke`). */
  action?: 'roll' | 'revoke';
  /** Set on an issue in the fallback contact repository: `owner/repo` the key leaked from. */
  reportedFrom?: string;
  /**
   * The repository's `notify` settings when the scan read them: the notify step reads them
   * again, and uses these when it cannot (the App was uninstalled in between).
   */
  notify?: NotifySettings;
}

/** Who else to tell when the owner's issue cannot be opened (`notify` in .github/keywarden.yml). */
export interface NotifySettings {
  /** `owner/repo` whose issues are on. */
  fallbackRepo?: string;
  /** An org-level address, mailed through SMTP_URL when one is configured. */
  email?: string;
}

/** The leaking commit's page, when the job knows where its repository lives. */
export function commitUrlOf(job: Pick<RotateJobData, 'repoUrl' | 'commit'>): string | undefined {
  return job.repoUrl && job.commit ? `${job.repoUrl}/commit/${job.commit}` : undefined;
}

/** The job's data as the worker keeps it: the app's payload plus the worker's progress. */
export interface RotateJobState extends RotateJobData {
  /** When the first request for this leak was sent (ms). Set BEFORE sending. */
  firstSentAt?: number;
  /** The rotator's answer, once known. */
  rotation?: RotationResult;
  /** When the owner was emailed (ms): a retry of the job does not mail again. */
  emailedAt?: number;
}

export interface RotateContext {
  receivedAt: number;
  installationId: number;
  owner: string;
  repo: string;
  pullRequest?: { number: number; htmlUrl?: string };
  /** The repository's web page (github.com or Enterprise): the base of the job's links. */
  repoUrl?: string;
  commitAuthors?: Record<string, string>;
  actorLogin?: string;
  /** The repository is public (GitHub's `private: false`). */
  publicRepo?: boolean;
  /** What to do with a key leaked in a public repository (default revoke). */
  publicRepos?: 'revoke' | 'roll';
  notify?: NotifySettings;
}

/** Rotators that consume the rotate queue. `github` is revoked in the scan worker instead (raw token needed). */
export const QUEUED_ROTATORS: ReadonlySet<string> = new Set(['keyservice']);

export function needsRotation(f: Finding): boolean {
  return f.kind === 'secret' && f.rotator !== undefined && QUEUED_ROTATORS.has(f.rotator);
}

export function rotateJobFor(f: Finding, ctx: RotateContext): { name: string; data: RotateJobData; opts: JobsOptions } {
  const idempotencyKey = idempotencyKeyFor(f.fingerprint);
  // Explicit field list: spreading a Finding could carry more than intended one day.
  const data: RotateJobData = {
    receivedAt: ctx.receivedAt,
    installationId: ctx.installationId,
    owner: ctx.owner,
    repo: ctx.repo,
    ruleId: f.ruleId,
    rotator: f.rotator!,
    kind: f.kind,
    secretHash: f.secretHash,
    preview: f.preview,
    ...(f.last4 ? { last4: f.last4 } : {}),
    fingerprint: f.fingerprint,
    idempotencyKey,
    path: f.path,
    line: f.line,
    commit: f.commit,
    author: f.author,
    email: f.email,
    // The owner's issue is assigned to whoever committed the key; the push or PR author is the next best guess.
    authorLogin: (f.commit ? ctx.commitAuthors?.[f.commit] : undefined) ?? ctx.actorLogin,
    pullRequest: ctx.pullRequest,
    repoUrl: ctx.repoUrl,
    htmlUrl: ctx.repoUrl && f.commit ? `${ctx.repoUrl}/blob/${f.commit}/${f.path}#L${f.line}` : undefined,
    ...(ctx.publicRepo ? { publicRepo: true, action: ctx.publicRepos === 'roll' ? ('roll' as const) : ('revoke' as const) } : {}),
    ...(ctx.notify?.fallbackRepo || ctx.notify?.email ? { notify: { ...ctx.notify } } : {}),
  };
  return { name: f.rotator!, data, opts: { ...ROTATE_JOB_OPTIONS, jobId: `rotate-${idempotencyKey}` } };
}
