// When the owner's issue cannot be opened (issues disabled: 410; archived: 403; repository
// gone: 404), the key has still been rolled or revoked and someone must hear of it before the
// deadline. Next best: a comment on the leaking commit (once, found again by the leak's event
// marker); then the issue in the organization's contact repository (`notify.fallbackRepo` in
// `.github/keywarden.yml`), which names the repository the key leaked from; then an email to the
// organization's contact (`notify.email`) when an SMTP server is configured. With none of them,
// the notify job fails for good: logged, counted in metrics, kept in the failed set.
import { UnrecoverableError } from 'bullmq';
import type { RotateJobData } from './rotateJobData.js';
import type { RotationResult } from './rotator.js';
import { isRateLimited, type GitHubClient } from '../github/retry.js';
import { ONE_TRY } from '../github/oneTry.js';
import { eventMarker, issueBody } from './issueBody.js';
import { ensureOwnerIssue, type OwnerIssueOptions } from './ownerIssue.js';
import { EmailRefused, noticeEmail, type EmailSender } from './emailNotice.js';

export interface FallbackResult {
  via: 'commit-comment' | 'fallback-repo' | 'email';
  url?: string;
  number?: number;
}

/** The last way, outside GitHub: the org's address, through the deployment's SMTP server. */
export interface EmailFallback {
  /** `notify.email`, when the repository's config names one. */
  to?: string;
  /** The SMTP sender, when SMTP_URL is configured. */
  sender?: EmailSender;
  /**
   * Runs the send unless the message already went out, and records that it did: a job that
   * runs again (retried, or picked up again while its first run goes on) does not mail twice.
   */
  once?(send: () => Promise<void>): Promise<void>;
}

/** Mails the notice when an address and a sender are both there; false when either is missing. */
export async function notifyByEmail(job: RotateJobData, result: RotationResult, email: EmailFallback, why: string, now: Date): Promise<boolean> {
  const { to, sender } = email;
  if (!to || !sender) return false;
  const send = async () => {
    try {
      await sender.send(noticeEmail(job, result, to, why, now));
    } catch (err) {
      if (err instanceof EmailRefused) throw new UnrecoverableError(`${err.code}: ${err.message}`);
      throw err;
    }
  };
  await (email.once ? email.once(send) : send());
  return true;
}

/** What to set so the notice has somewhere to go, for the failure's message. */
export function missingChannel(email: EmailFallback, githubUsable = true): string {
  if (email.to && !email.sender) return `notify.email is set but this keywarden has no SMTP_URL to send it through`;
  if (!githubUsable) return 'set notify.email in .github/keywarden.yml (and SMTP_URL on the worker) so someone is told even when the App is gone';
  return 'set notify.fallbackRepo (an org/repo whose issues are on) or notify.email (with SMTP_URL on the worker) in .github/keywarden.yml';
}

/** GitHub refuses this write for good in this repository: the issue (or comment) can't go here. */
export function isRefusedHere(err: unknown): boolean {
  const e = err as { status?: number; message?: string; response?: { headers?: Record<string, unknown>; data?: unknown } };
  if (e.status === 410 || e.status === 404) return true;
  return e.status === 403 && !isRateLimited(e);
}

async function commitCommentOnce(gh: GitHubClient, job: RotateJobData, body: string, opts: OwnerIssueOptions): Promise<string | undefined> {
  const marker = eventMarker(job.idempotencyKey);
  const look = async () => {
    const res = await gh.request('GET /repos/{owner}/{repo}/commits/{commit_sha}/comments', { owner: job.owner, repo: job.repo, commit_sha: job.commit, per_page: 100 });
    return (res.data as Array<{ body?: string | null; html_url?: string }>).find((c) => (c.body ?? '').includes(marker));
  };
  const found = await look();
  if (found) return found.html_url ?? '';
  // Sent once: a 502 can arrive after GitHub stored the comment, and the job's retry finds it above.
  const res = await gh.request('POST /repos/{owner}/{repo}/commits/{commit_sha}/comments', { owner: job.owner, repo: job.repo, commit_sha: job.commit, body, request: ONE_TRY });
  return (res.data as { html_url?: string }).html_url ?? '';
}

/** Tells the owner another way; throws UnrecoverableError when there is no way left. */
export async function notifyByFallback(gh: GitHubClient, job: RotateJobData, result: RotationResult, fallbackRepo: string | undefined, opts: OwnerIssueOptions, cause: unknown, email: EmailFallback = {}): Promise<FallbackResult> {
  const now = opts.now ?? (() => new Date());
  const reasons = [`issue: ${(cause as Error).message}`];
  if (job.commit) {
    try {
      const url = await commitCommentOnce(gh, job, issueBody(job, result, now()), opts);
      return { via: 'commit-comment', url };
    } catch (err) {
      if (!isRefusedHere(err)) throw err;
      reasons.push(`commit comment: ${(err as Error).message}`);
    }
  }
  const [owner, repo, extra] = fallbackRepo?.split('/') ?? [];
  if (owner && repo && extra === undefined) {
    try {
      // The contact repository's issue names where the key leaked; the PR comment stays with the PR.
      const issue = await ensureOwnerIssue(gh, { ...job, owner, repo, pullRequest: undefined, reportedFrom: `${job.owner}/${job.repo}` }, result, opts);
      return { via: 'fallback-repo', url: issue.url, number: issue.number };
    } catch (err) {
      if (!isRefusedHere(err)) throw err;
      reasons.push(`${fallbackRepo}: ${(err as Error).message}`);
    }
  }
  if (await notifyByEmail(job, result, email, `GitHub refused it: ${reasons.join('; ')}`, now())) return { via: 'email' };
  throw new UnrecoverableError(`NOTIFY_NO_CHANNEL: nobody could be told about the leak in ${job.owner}/${job.repo} (${reasons.join('; ')}); ${missingChannel(email)}`);
}
