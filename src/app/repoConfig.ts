// `.github/keywarden.yml`: read the way Probot's context.config reads it (octokit.config.get,
// so the org's `.github` repository gives defaults and `_extends` works), then checked; its
// allowlists by the engine's own parser. A bad file never crashes a scan: it becomes an
// InvalidRepoConfig whose reason the check run shows, and whose usable part the scan uses.
// A file that cannot be *read* (5xx, network) is not invalid: RepoConfigReadError fails the
// job, and BullMQ retries it.
import { CONFIDENCES, parseAllowlist, RuleLoadError, SEVERITIES, type AllowlistConfig, type BlockingPolicy, type Confidence, type Severity } from '../scan/index.js';
import { GitHubRateLimitedError } from '../github/rateLimit.js';

export const CONFIG_PATH = '.github/keywarden.yml';

export interface RepoConfig {
  /** Roll leaked keys automatically (default true). */
  rotation: boolean;
  /**
   * `rotation:` written as a mapping. `baseline`: also roll the live keys the installation scan
   * finds in old history (default false: installing the App must not roll every old key at
   * once). `publicRepos`: in a public repository a leaked key is `revoke`d at once (default)
   * or `roll`ed with the usual grace period.
   */
  rotationPolicy: RotationPolicy;
  disabledRules: string[];
  /** minimatch globs of paths never scanned. */
  ignorePaths: string[];
  allowlists: AllowlistConfig[];
  issues: { labels: string[]; assignees: string[] };
  /** Where to tell the owner when a repository's issues cannot be opened: an `org/repo`, then an email address (through SMTP_URL). */
  notify: { fallbackRepo?: string; email?: string };
  /**
   * Which findings fail the check run: `minConfidence` (default medium: the catch-alls' low-
   * confidence matches are annotated as notices, not failures) and `failOn` (a severity).
   */
  failing: BlockingPolicy;
  /**
   * The conclusion of a scan that did not cover everything (commit cap, files too large) and
   * found nothing blocking: `neutral` (default) or `action_required`. Never `success`.
   */
  incompleteScan: IncompleteScanConclusion;
}

export const PUBLIC_REPO_MODES = ['revoke', 'roll'] as const;
export type PublicRepoMode = (typeof PUBLIC_REPO_MODES)[number];
export interface RotationPolicy {
  baseline: boolean;
  publicRepos: PublicRepoMode;
}

export const DEFAULT_ROTATION_POLICY: RotationPolicy = { baseline: false, publicRepos: 'revoke' };

export const INCOMPLETE_SCAN_CONCLUSIONS = ['neutral', 'action_required'] as const;
export type IncompleteScanConclusion = (typeof INCOMPLETE_SCAN_CONCLUSIONS)[number];

export const DEFAULT_REPO_CONFIG: RepoConfig = {
  rotation: true,
  rotationPolicy: DEFAULT_ROTATION_POLICY,
  disabledRules: [],
  ignorePaths: [],
  allowlists: [],
  issues: { labels: ['keywarden', 'security'], assignees: [] },
  notify: {},
  failing: { minConfidence: 'medium' },
  incompleteScan: 'neutral',
};

/**
 * A file that could not be used as written. `usable` is what the scan goes on with: the
 * defaults, plus every part of the file that was valid.
 */
export class InvalidRepoConfig {
  readonly code = 'REPO_CONFIG_INVALID';
  constructor(readonly reason: string, readonly usable: RepoConfig = DEFAULT_REPO_CONFIG) {}
}

const TOP_KEYS = new Set(['rotation', 'disabledRules', 'ignorePaths', 'allowlists', 'issues', 'notify', 'minConfidence', 'failOn', 'incompleteScan']);

/** Problems found so far; a part with a problem keeps its default. */
class Problems {
  readonly list: string[] = [];
  add(problem: string): undefined {
    this.list.push(problem);
    return undefined;
  }
  stringList(v: unknown, where: string): string[] | undefined {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) return this.add(`${where} must be a list of strings`);
    return v as string[];
  }
}

function allowlistOf(v: unknown, i: number, problems: Problems): AllowlistConfig | undefined {
  const where = `allowlists[${i}]`;
  const stopwords = (v as { stopwords?: unknown } | null)?.stopwords;
  // The engine matches stopwords against the lower-cased secret: an upper-case one was never
  // going to match as written. It is used lower-cased, and the owner is told to fix the file.
  if (Array.isArray(stopwords)) {
    const upper = stopwords.filter((w): w is string => typeof w === 'string' && w !== w.toLowerCase());
    if (upper.length > 0) problems.add(`${where}.stopwords: ${upper.map((w) => `"${w}"`).join(', ')} must be lower case (stopwords match case-insensitively); write ${upper.map((w) => `"${w.toLowerCase()}"`).join(', ')}`);
  }
  try {
    return parseAllowlist(v, where, { file: CONFIG_PATH });
  } catch (err) {
    if (err instanceof RuleLoadError) return problems.add(err.problem);
    throw err;
  }
}

function failingOf(c: Record<string, unknown>, problems: Problems): BlockingPolicy {
  const failing: BlockingPolicy = { ...DEFAULT_REPO_CONFIG.failing };
  if (c.minConfidence !== undefined) {
    if (CONFIDENCES.includes(c.minConfidence as Confidence)) failing.minConfidence = c.minConfidence as Confidence;
    else problems.add(`minConfidence must be one of ${CONFIDENCES.join(', ')}`);
  }
  if (c.failOn !== undefined) {
    if (SEVERITIES.includes(c.failOn as Severity)) failing.failOn = c.failOn as Severity;
    else problems.add(`failOn must be one of ${SEVERITIES.join(', ')}`);
  }
  return failing;
}

const ROTATION_KEYS = ['enabled', 'baseline', 'publicRepos'];

/** `rotation: true|false`, or a mapping of enabled / baseline / publicRepos. */
function rotationOf(v: unknown, problems: Problems): { enabled?: boolean; policy: RotationPolicy } {
  const policy = { ...DEFAULT_ROTATION_POLICY };
  if (v === undefined || v === null) return { policy };
  if (typeof v === 'boolean') return { enabled: v, policy };
  if (typeof v !== 'object' || Array.isArray(v)) return { enabled: problems.add('rotation must be true or false, or a mapping of enabled, baseline, publicRepos'), policy };
  const r = v as Record<string, unknown>;
  for (const k of Object.keys(r)) if (!ROTATION_KEYS.includes(k)) problems.add(`rotation: unknown key "${k}" (known: ${ROTATION_KEYS.join(', ')})`);
  let enabled: boolean | undefined;
  if (r.enabled !== undefined) enabled = typeof r.enabled === 'boolean' ? r.enabled : problems.add('rotation.enabled must be true or false');
  if (r.baseline !== undefined) {
    if (typeof r.baseline === 'boolean') policy.baseline = r.baseline;
    else problems.add('rotation.baseline must be true or false');
  }
  if (r.publicRepos !== undefined) {
    if (PUBLIC_REPO_MODES.includes(r.publicRepos as PublicRepoMode)) policy.publicRepos = r.publicRepos as PublicRepoMode;
    else problems.add(`rotation.publicRepos must be one of ${PUBLIC_REPO_MODES.join(', ')}`);
  }
  return { enabled, policy };
}

function notifyOf(v: unknown, problems: Problems): RepoConfig['notify'] {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) return problems.add('notify must be a mapping with fallbackRepo and/or email') ?? {};
  const n = v as Record<string, unknown>;
  for (const k of Object.keys(n)) if (k !== 'fallbackRepo' && k !== 'email') problems.add(`notify: unknown key "${k}" (known: fallbackRepo, email)`);
  const out: RepoConfig['notify'] = {};
  if (n.fallbackRepo !== undefined) {
    if (typeof n.fallbackRepo !== 'string' || !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(n.fallbackRepo)) problems.add('notify.fallbackRepo must be owner/repo');
    else out.fallbackRepo = n.fallbackRepo;
  }
  if (n.email !== undefined) {
    // One plain address: no display name, no list, nothing a mail header could be bent with.
    if (typeof n.email !== 'string' || !/^[^\s@<>,;"]+@[^\s@<>,;"]+\.[^\s@<>,;"]+$/.test(n.email)) problems.add('notify.email must be one email address, e.g. security@example.com');
    else out.email = n.email;
  }
  return out;
}

function incompleteScanOf(v: unknown, problems: Problems): IncompleteScanConclusion {
  if (v === undefined) return DEFAULT_REPO_CONFIG.incompleteScan;
  if (INCOMPLETE_SCAN_CONCLUSIONS.includes(v as IncompleteScanConclusion)) return v as IncompleteScanConclusion;
  return problems.add(`incompleteScan must be one of ${INCOMPLETE_SCAN_CONCLUSIONS.join(', ')}`) ?? DEFAULT_REPO_CONFIG.incompleteScan;
}

function issuesOf(v: unknown, problems: Problems): RepoConfig['issues'] {
  const defaults = DEFAULT_REPO_CONFIG.issues;
  if (v === undefined) return defaults;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return problems.add('issues must be a mapping with labels and assignees') ?? defaults;
  const i = v as Record<string, unknown>;
  for (const k of Object.keys(i)) if (k !== 'labels' && k !== 'assignees') problems.add(`issues: unknown key "${k}" (known: labels, assignees)`);
  return {
    labels: (i.labels === undefined ? undefined : problems.stringList(i.labels, 'issues.labels')) ?? defaults.labels,
    assignees: problems.stringList(i.assignees, 'issues.assignees') ?? defaults.assignees,
  };
}

/**
 * Checks a parsed config object (the YAML, merged with `_extends` bases). Every problem is
 * reported, and each part that has none is kept: a bad regex in one allowlist does not
 * throw away the file's other allowlists, ignorePaths or issue settings.
 */
export function parseRepoConfig(raw: unknown): RepoConfig | InvalidRepoConfig {
  if (raw === null || raw === undefined) return DEFAULT_REPO_CONFIG;
  if (typeof raw !== 'object' || Array.isArray(raw)) return new InvalidRepoConfig('the file must be a YAML mapping');
  const c = raw as Record<string, unknown>;
  const problems = new Problems();
  for (const k of Object.keys(c)) {
    if (k !== '_extends' && !TOP_KEYS.has(k)) problems.add(`unknown key "${k}" (known: ${[...TOP_KEYS].join(', ')})`);
  }
  const rotation = rotationOf(c.rotation, problems);
  let allowlists: AllowlistConfig[] = [];
  if (Array.isArray(c.allowlists)) allowlists = c.allowlists.map((a, i) => allowlistOf(a, i, problems)).filter((a) => a !== undefined);
  else if (c.allowlists !== undefined) problems.add('allowlists must be a list');
  const config: RepoConfig = {
    rotation: rotation.enabled ?? DEFAULT_REPO_CONFIG.rotation,
    rotationPolicy: rotation.policy,
    disabledRules: problems.stringList(c.disabledRules, 'disabledRules') ?? DEFAULT_REPO_CONFIG.disabledRules,
    ignorePaths: problems.stringList(c.ignorePaths, 'ignorePaths') ?? DEFAULT_REPO_CONFIG.ignorePaths,
    allowlists,
    issues: issuesOf(c.issues, problems),
    notify: notifyOf(c.notify, problems),
    failing: failingOf(c, problems),
    incompleteScan: incompleteScanOf(c.incompleteScan, problems),
  };
  return problems.list.length > 0 ? new InvalidRepoConfig(problems.list.join('; '), config) : config;
}

interface ConfigOctokit {
  config: { get(o: { owner: string; repo: string; path: string; branch?: string }): Promise<{ config: unknown }> };
}

/**
 * The file could not be read (GitHub answered 5xx or 403, the network failed): nothing is known
 * about it, so the job must fail and be retried. Scanning with the defaults would turn
 * rotation off, or ignore the owner's settings, because of a passing outage.
 */
export class RepoConfigReadError extends Error {
  readonly code = 'REPO_CONFIG_UNREADABLE';
  constructor(message: string, readonly status?: number) {
    super(message);
    this.name = 'RepoConfigReadError';
  }
}

// The config plugin's own errors (bad YAML, a directory at the path, an `_extends` loop or a
// bad `_extends` value) are problems with the file; anything else is a failure to read it.
const PLUGIN_ERROR = /^\[@probot\/octokit-plugin-config\]\s*/;

/**
 * Loads and checks the repository's config. A file that is wrong becomes InvalidRepoConfig;
 * a file that cannot be read throws RepoConfigReadError.
 */
export async function loadRepoConfig(octokit: ConfigOctokit, owner: string, repo: string): Promise<RepoConfig | InvalidRepoConfig> {
  let raw: unknown;
  try {
    ({ config: raw } = await octokit.config.get({ owner, repo, path: CONFIG_PATH }));
  } catch (err) {
    // A rate limit keeps its retryAt: the job is delayed until then, not failed (github/retry.ts).
    if (err instanceof GitHubRateLimitedError) throw err;
    const e = err as Error & { status?: number };
    if (!PLUGIN_ERROR.test(e.message)) throw new RepoConfigReadError(`cannot read ${CONFIG_PATH} (will retry): ${e.message.split('\n')[0].slice(0, 300)}`, e.status);
    return new InvalidRepoConfig(`cannot use ${CONFIG_PATH}: ${e.message.replace(PLUGIN_ERROR, '')}`);
  }
  // The plugin returns {} when no file exists anywhere.
  if (raw && typeof raw === 'object' && Object.keys(raw).length === 0) return DEFAULT_REPO_CONFIG;
  return parseRepoConfig(raw);
}
