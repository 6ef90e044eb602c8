// An empty repository (created, nothing pushed yet) has nothing to scan and nothing to report.
// Its scan job cannot tell that from the step that fails: git finds no default branch to
// fetch, and GitHub takes no check run on a commit the repository does not have (422). Only
// after such a failure is GitHub asked, so a scan that works costs no extra call: listing
// commits answers 409 "Git Repository is empty." for an empty repository, and GitHub's
// `size` (recomputed hourly, 0 for a new repository) cannot tell a small one from an empty one.
import type { InstallationOctokit } from '../../github/client.js';
import { FetchError } from './fetchCommits.js';

/** Whether `err`, a scan job's failure, is that the repository is empty. */
export async function failedOnEmptyRepository(octokit: InstallationOctokit, owner: string, repo: string, err: unknown): Promise<boolean> {
  if (!(err instanceof FetchError) && (err as { status?: unknown } | null)?.status !== 422) return false;
  try {
    // A read: the client's retry hook repeats it on 5xx and rate limits.
    await octokit.rest.repos.listCommits({ owner, repo, per_page: 1 });
    return false;
  } catch (probeErr) {
    // Anything but GitHub's "empty" answer leaves the job's own failure to stand.
    return (probeErr as { status?: unknown }).status === 409;
  }
}
