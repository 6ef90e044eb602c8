// Small, defensive readers for webhook payloads. GitHub's payloads are trusted only after the
// signature check, and even then a field may be missing (a deleted branch, a tag, an
// Enterprise version without it): readers return undefined instead of throwing.
export type Json = Record<string, unknown>;

export function obj(v: unknown): Json | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined;
}
export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}
export function int(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isSafeInteger(v) && v > 0 ? v : undefined;
}

const SHA = /^[0-9a-f]{40}$/;
export const ZERO_SHA = '0'.repeat(40);
export function sha(v: unknown): string | undefined {
  return typeof v === 'string' && SHA.test(v) ? v : undefined;
}

/** A pushed tag's ref (`refs/tags/v1.2`), as opposed to a branch's (`refs/heads/main`). */
export function isTagRef(ref: string | undefined): boolean {
  return ref !== undefined && ref.startsWith('refs/tags/') && ref.length > 'refs/tags/'.length;
}

/** Why a payload cannot be acted on; handlers log it and do no work. */
export class InvalidPayload {
  constructor(readonly reason: string) {}
}

export interface RepoRef {
  owner: string;
  repo: string;
  cloneUrl: string;
  defaultBranch: string;
  /** The repository's web page, on whichever GitHub sent the webhook (github.com or Enterprise). */
  repoUrl?: string;
  /** GitHub's `private` flag: a public repository's leaked key is revoked, and its issue says less. */
  isPrivate?: boolean;
}

/** An http(s) URL, as GitHub sends in html_url; anything else is not used as a link. */
export function webUrl(v: unknown): string | undefined {
  const s = str(v);
  return s && /^https?:\/\/[^\s/]+\/\S*$/.test(s) ? s.replace(/\/+$/, '') : undefined;
}

/** Owner and repository names as GitHub allows them; they end up in paths and URLs. */
export function isValidName(v: string | undefined): v is string {
  return v !== undefined && /^[A-Za-z0-9_.-]{1,100}$/.test(v) && v !== '.' && v !== '..';
}

export function repoOf(payload: Json): RepoRef | InvalidPayload {
  const r = obj(payload.repository);
  if (!r) return new InvalidPayload('no repository');
  const owner = str(obj(r.owner)?.login) ?? str(obj(r.owner)?.name);
  const repo = str(r.name);
  const cloneUrl = str(r.clone_url);
  const defaultBranch = str(r.default_branch) ?? str(r.master_branch);
  if (!isValidName(owner) || !isValidName(repo)) return new InvalidPayload('repository has no valid owner or name');
  if (!cloneUrl) return new InvalidPayload('repository has no clone_url');
  if (!defaultBranch) return new InvalidPayload('repository has no default_branch');
  return { owner, repo, cloneUrl, defaultBranch, repoUrl: webUrl(r.html_url), ...(typeof r.private === 'boolean' ? { isPrivate: r.private } : {}) };
}

/** GitHub logins: alphanumerics and single hyphens, at most 39 characters. */
export function login(v: unknown): string | undefined {
  return typeof v === 'string' && /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/.test(v) ? v : undefined;
}

/** sha → author login for the commits a push payload lists (GitHub lists at most 2048). */
export function commitAuthorsOf(commits: unknown): Record<string, string> | undefined {
  if (!Array.isArray(commits)) return undefined;
  const out: Record<string, string> = {};
  for (const c of commits) {
    const id = sha(obj(c)?.id);
    const user = login(obj(obj(c)?.author)?.username);
    if (id && user) out[id] = user;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

export function installationIdOf(payload: Json): number | InvalidPayload {
  return int(obj(payload.installation)?.id) ?? new InvalidPayload('no installation id (is this delivery for a GitHub App?)');
}
