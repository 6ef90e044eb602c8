// installation created / installation_repositories added → a baseline scan of each new
// repository's default branch. The payload lists repositories without clone URL or default
// branch, and handlers make no GitHub calls, so the job says `HEAD` and the worker resolves
// the repository (GET /repos/{owner}/{repo}) before it fetches.
import type { ScanJobData } from '../scanJobData.js';
import { InvalidPayload, installationIdOf, isValidName, obj, str } from './payload.js';
import type { DeliveryMeta, HandlerOutcome } from './push.js';

export const INSTALLATION_HEAD = 'HEAD';

export function scanJobsForInstallation(payload: unknown, meta: DeliveryMeta, opts: { webUrl: string }): HandlerOutcome {
  const p = obj(payload);
  if (!p) return new InvalidPayload('payload is not an object');
  const action = str(p.action);
  const list = action === 'created' ? p.repositories : action === 'added' ? p.repositories_added : undefined;
  if (list === undefined) return { jobs: [], ignored: `action ${action ?? '(none)'}` };
  if (!Array.isArray(list)) return new InvalidPayload('repository list is not an array');
  const installationId = installationIdOf(p);
  if (installationId instanceof InvalidPayload) return installationId;
  const jobs: ScanJobData[] = [];
  for (const entry of list) {
    const fullName = str(obj(entry)?.full_name);
    const [owner, repo, extra] = fullName?.split('/') ?? [];
    if (!isValidName(owner) || !isValidName(repo) || extra !== undefined) return new InvalidPayload(`repository entry without a valid full_name`);
    jobs.push({
      receivedAt: meta.receivedAt,
      deliveryId: meta.deliveryId,
      installationId,
      owner,
      repo,
      cloneUrl: `${opts.webUrl}/${owner}/${repo}.git`,
      repoUrl: `${opts.webUrl}/${owner}/${repo}`,
      defaultBranch: '',
      event: 'installation',
      after: INSTALLATION_HEAD,
      ...(typeof obj(entry)?.private === 'boolean' ? { isPrivate: obj(entry)?.private as boolean } : {}),
    });
  }
  return { jobs };
}
