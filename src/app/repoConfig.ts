// `.github/keywarden.yml`: read the way Probot's context.config reads it (octokit.config.get,
// so the org's `.github` repository gives defaults and `_extends` works), then checked by
// hand. A bad file never crashes a scan: it becomes an InvalidRepoConfig whose reason the
// check run shows.
import type { AllowlistConfig } from '../scan/index.js';

export const CONFIG_PATH = '.github/keywarden.yml';

export interface RepoConfig {
  /** Roll leaked keys automatically (default true). */
  rotation: boolean;
  disabledRules: string[];
  /** minimatch globs of paths never scanned. */
  ignorePaths: string[];
  allowlists: AllowlistConfig[];
  issues: { labels: string[]; assignees: string[] };
}

export const DEFAULT_REPO_CONFIG: RepoConfig = {
  rotation: true,
  disabledRules: [],
  ignorePaths: [],
  allowlists: [],
  issues: { labels: ['keywarden', 'security'], assignees: [] },
};

export class InvalidRepoConfig {
  readonly code = 'REPO_CONFIG_INVALID';
  constructor(readonly reason: string) {}
}

const TOP_KEYS = new Set(['rotation', 'disabledRules', 'ignorePaths', 'allowlists', 'issues']);
const ALLOWLIST_KEYS = new Set(['description', 'condition', 'regexTarget', 'regexes', 'stopwords', 'paths', 'globs', 'commits']);

function stringList(v: unknown, where: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new InvalidRepoConfig(`${where} must be a list of strings`);
  return v as string[];
}

function allowlistOf(v: unknown, i: number): AllowlistConfig {
  const where = `allowlists[${i}]`;
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new InvalidRepoConfig(`${where} must be a mapping`);
  const a = v as Record<string, unknown>;
  for (const k of Object.keys(a)) if (!ALLOWLIST_KEYS.has(k)) throw new InvalidRepoConfig(`${where}: unknown key "${k}" (known: ${[...ALLOWLIST_KEYS].join(', ')})`);
  const condition = a.condition ?? 'OR';
  if (condition !== 'OR' && condition !== 'AND') throw new InvalidRepoConfig(`${where}.condition must be OR or AND`);
  const regexTarget = a.regexTarget ?? 'secret';
  if (regexTarget !== 'secret' && regexTarget !== 'match' && regexTarget !== 'line') throw new InvalidRepoConfig(`${where}.regexTarget must be secret, match or line`);
  return {
    description: typeof a.description === 'string' ? a.description : undefined,
    condition,
    regexTarget,
    regexes: stringList(a.regexes, `${where}.regexes`),
    stopwords: stringList(a.stopwords, `${where}.stopwords`),
    paths: stringList(a.paths, `${where}.paths`),
    globs: stringList(a.globs, `${where}.globs`),
    commits: stringList(a.commits, `${where}.commits`),
  };
}

/** Checks a parsed config object (the YAML, merged with `_extends` bases). */
export function parseRepoConfig(raw: unknown): RepoConfig | InvalidRepoConfig {
  if (raw === null || raw === undefined) return DEFAULT_REPO_CONFIG;
  try {
    if (typeof raw !== 'object' || Array.isArray(raw)) throw new InvalidRepoConfig('the file must be a YAML mapping');
    const c = raw as Record<string, unknown>;
    for (const k of Object.keys(c)) {
      if (k !== '_extends' && !TOP_KEYS.has(k)) throw new InvalidRepoConfig(`unknown key "${k}" (known: ${[...TOP_KEYS].join(', ')})`);
    }
    if (c.rotation !== undefined && typeof c.rotation !== 'boolean') throw new InvalidRepoConfig('rotation must be true or false');
    if (c.allowlists !== undefined && !Array.isArray(c.allowlists)) throw new InvalidRepoConfig('allowlists must be a list');
    const issues = c.issues ?? {};
    if (typeof issues !== 'object' || issues === null || Array.isArray(issues)) throw new InvalidRepoConfig('issues must be a mapping with labels and assignees');
    const i = issues as Record<string, unknown>;
    for (const k of Object.keys(i)) if (k !== 'labels' && k !== 'assignees') throw new InvalidRepoConfig(`issues: unknown key "${k}" (known: labels, assignees)`);
    return {
      rotation: (c.rotation as boolean | undefined) ?? DEFAULT_REPO_CONFIG.rotation,
      disabledRules: stringList(c.disabledRules, 'disabledRules'),
      ignorePaths: stringList(c.ignorePaths, 'ignorePaths'),
      allowlists: ((c.allowlists as unknown[] | undefined) ?? []).map(allowlistOf),
      issues: {
        labels: i.labels === undefined ? DEFAULT_REPO_CONFIG.issues.labels : stringList(i.labels, 'issues.labels'),
        assignees: stringList(i.assignees, 'issues.assignees'),
      },
    };
  } catch (err) {
    if (err instanceof InvalidRepoConfig) return err;
    throw err;
  }
}

interface ConfigOctokit {
  config: { get(o: { owner: string; repo: string; path: string; branch?: string }): Promise<{ config: unknown }> };
}

/** Loads and checks the repository's config; YAML errors and fetch failures become InvalidRepoConfig. */
export async function loadRepoConfig(octokit: ConfigOctokit, owner: string, repo: string): Promise<RepoConfig | InvalidRepoConfig> {
  let raw: unknown;
  try {
    ({ config: raw } = await octokit.config.get({ owner, repo, path: CONFIG_PATH }));
  } catch (err) {
    const msg = (err as Error).message.replace(/^\[@probot\/octokit-plugin-config\]\s*/, '');
    return new InvalidRepoConfig(`cannot read ${CONFIG_PATH}: ${msg}`);
  }
  // The plugin returns {} when no file exists anywhere.
  if (raw && typeof raw === 'object' && Object.keys(raw).length === 0) return DEFAULT_REPO_CONFIG;
  return parseRepoConfig(raw);
}
