// What a webhook handler hands to the scan worker: one scan job. Jobs are stored in Redis,
// so this is plain data and never holds a secret.
import type { RepoRef } from './handlers/payload.js';

/** What a webhook handler hands to the scan worker; the repository fields are the payload's RepoRef. */
export interface ScanJobData extends RepoRef {
  /** When the webhook arrived (ms since epoch), for the webhook-to-rolled metric. */
  receivedAt: number;
  installationId: number;
  event: 'push' | 'pull_request' | 'installation';
  /** push: before..after; pull_request: base..head; installation: the default branch's history. */
  before?: string;
  after: string;
  ref?: string;
  /** fromFork: the head lives in another repository; the base repository serves it only at refs/pull/<number>/head. */
  pullRequest?: { number: number; baseSha: string; headSha: string; htmlUrl?: string; fromFork?: boolean };
  deliveryId?: string;
  /**
   * Set on a scan that "Re-run" asked for (check_run / check_suite rerequested): the delivery
   * id of that request. Part of the scan's identity, so the re-run gets a fresh job and run.
   */
  rerun?: string;
  /** GitHub login of each pushed commit's author (push payloads name them), so the owner's issue can be assigned. */
  commitAuthors?: Record<string, string>;
  /** Login to fall back on when a commit's author is unknown: the PR's author or the pusher. */
  actorLogin?: string;
}
