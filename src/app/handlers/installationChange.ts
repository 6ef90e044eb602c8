// installation deleted / suspend / unsuspend and installation_repositories removed: not scans
// but changes to what may be scanned. Read from Probot's typed payloads into one plain value;
// the app (index.ts) hands it to whoever keeps the queue (installationJobs.ts).
import type { Context } from 'probot';
import { isValidName } from './payload.js';

export interface RepoName {
  owner: string;
  repo: string;
}

export type InstallationChange =
  /** The App was uninstalled from `account`: its queued scans and its baselines go. */
  | { kind: 'uninstalled'; installationId: number; account?: string; repos: RepoName[] }
  /** Suspended: GitHub refuses tokens and sends no webhooks until unsuspended; queued scans wait aside. */
  | { kind: 'suspended'; installationId: number }
  | { kind: 'unsuspended'; installationId: number }
  /** Repositories taken out of the installation: their queued scans and baselines go. */
  | { kind: 'repositories-removed'; installationId: number; repos: RepoName[] };

type Payload<E extends 'installation.deleted' | 'installation.suspend' | 'installation.unsuspend' | 'installation_repositories.removed'> = Context<E>['payload'];

function reposOf(list: ReadonlyArray<{ full_name: string }> | undefined): RepoName[] {
  const out: RepoName[] = [];
  for (const r of list ?? []) {
    const [owner, repo, extra] = r.full_name.split('/');
    if (isValidName(owner) && isValidName(repo) && extra === undefined) out.push({ owner, repo });
  }
  return out;
}

/** The account an installation is on: a user or organization login (an enterprise has none). */
function accountLogin(account: unknown): string | undefined {
  const login = account && typeof account === 'object' && 'login' in account ? (account as { login: unknown }).login : undefined;
  return typeof login === 'string' && isValidName(login) ? login : undefined;
}

export function uninstalled(p: Payload<'installation.deleted'>): InstallationChange {
  return { kind: 'uninstalled', installationId: p.installation.id, account: accountLogin(p.installation.account), repos: reposOf(p.repositories) };
}

export function suspended(p: Payload<'installation.suspend'>): InstallationChange {
  return { kind: 'suspended', installationId: p.installation.id };
}

export function unsuspended(p: Payload<'installation.unsuspend'>): InstallationChange {
  return { kind: 'unsuspended', installationId: p.installation.id };
}

export function repositoriesRemoved(p: Payload<'installation_repositories.removed'>): InstallationChange {
  return { kind: 'repositories-removed', installationId: p.installation.id, repos: reposOf(p.repositories_removed) };
}
