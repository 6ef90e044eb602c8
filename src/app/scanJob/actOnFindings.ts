// Step 4 of a scan job: act on what the scan found. Leaked GitHub tokens are revoked here
// (the raw token exists only in this process's memory); keys with a queued rotator get one
// rotate job each (hash and redacted preview only). Returns what was done, as data.
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Finding } from '../../scan/index.js';
import { attachSecret } from '../../scan/secret.js';
import type { RevocationReport } from '../../rotation/githubRevoker.js';
import { needsRotation, rotateJobFor, type NotifySettings, type RotateJobData } from '../../rotation/rotateJobData.js';
import type { KeyStateInfo, KeyStateReader } from '../../rotation/keyStates.js';
import type { ScanJobData } from '../scanJobData.js';
import type { RotationPolicy } from '../repoConfig.js';

export interface ActDeps {
  rotateQueue: Queue<RotateJobData>;
  log: Logger;
  /** REST API root, for credential revocation. */
  baseUrl?: string;
  /** GitHub Enterprise Server host: credential revocation does not exist there. */
  gheHost?: string;
  /** The key service's `verify`, for the state of each key an installation scan finds. */
  keyStates?: KeyStateReader;
}

export interface Actions {
  revocations: RevocationReport[];
  rotationsQueued: number;
  /** Why keys that need rotation were not queued. */
  rotationSkipped?: 'invalid-config' | 'rotation-off' | 'baseline-off' | 'not-configured';
  /** Installation scans: each leaked key's state by secret hash, when a key service is configured. */
  keyStates?: Map<string, KeyStateInfo>;
}

async function revokeGitHubTokensFound(findings: Finding[], tokens: Array<[string, string]>, deps: ActDeps): Promise<RevocationReport[]> {
  if (tokens.length === 0) return [];
  // Loaded only when there is something to revoke.
  const { revokeGitHubTokens } = await import('../../rotation/githubRevoker.js');
  const raw = new Map(tokens);
  for (const f of findings) {
    const t = raw.get(f.fingerprint);
    if (t) attachSecret(f, t);
  }
  raw.clear();
  tokens.length = 0;
  return revokeGitHubTokens(findings, { baseUrl: deps.baseUrl, ghe: deps.gheHost, log: deps.log });
}

async function queueRotations(job: ScanJobData, findings: Finding[], policy: RotationPolicy | undefined, notify: NotifySettings | undefined, deps: ActDeps): Promise<number> {
  const pullRequest = job.pullRequest ? { number: job.pullRequest.number, htmlUrl: job.pullRequest.htmlUrl } : undefined;
  let queued = 0;
  for (const f of findings.filter(needsRotation)) {
    const { name, data, opts } = rotateJobFor(f, { receivedAt: job.receivedAt, installationId: job.installationId, owner: job.owner, repo: job.repo, pullRequest, repoUrl: job.repoUrl, commitAuthors: job.commitAuthors, actorLogin: job.actorLogin, publicRepo: job.isPrivate === false, publicRepos: policy?.publicRepos, notify });
    await deps.rotateQueue.add(name, data, opts);
    queued++;
  }
  return queued;
}

async function baselineKeyStates(findings: Finding[], deps: ActDeps): Promise<Map<string, KeyStateInfo> | undefined> {
  const hashes = findings.filter(needsRotation).map((f) => f.secretHash);
  if (!deps.keyStates || hashes.length === 0) return undefined;
  try {
    return await deps.keyStates.keyStates(hashes);
  } catch (err) {
    // The issue still lists the findings; it says their state could not be read.
    deps.log.warn({ err: (err as Error).message }, 'key service verify failed; baseline issue lists keys without their state');
    return undefined;
  }
}

export async function actOnFindings(
  job: ScanJobData,
  scan: { findings: Finding[]; githubTokens: Array<[string, string]> },
  rotation: { enabled: boolean; invalidConfig: boolean; policy?: RotationPolicy; notConfigured?: boolean; notify?: NotifySettings },
  deps: ActDeps,
): Promise<Actions> {
  const revocations = await revokeGitHubTokensFound(scan.findings, scan.githubTokens, deps);
  const baseline = job.event === 'installation';
  // Read before any rotation is queued: the issue shows the state the scan found.
  const keyStates = baseline ? await baselineKeyStates(scan.findings, deps) : undefined;
  const leaks = scan.findings.some(needsRotation);
  // No key service in this deployment: report, roll nothing (the check run says so).
  if (rotation.notConfigured) return { revocations, rotationsQueued: 0, rotationSkipped: leaks ? 'not-configured' : undefined, keyStates };
  // Installing the App must not roll every old key at once: baseline rotation is opt-in.
  if (rotation.enabled && baseline && !rotation.policy?.baseline) return { revocations, rotationsQueued: 0, rotationSkipped: leaks ? 'baseline-off' : undefined, keyStates };
  if (rotation.enabled) return { revocations, rotationsQueued: await queueRotations(job, scan.findings, rotation.policy, rotation.notify, deps), keyStates };
  const rotationSkipped = leaks ? (rotation.invalidConfig ? 'invalid-config' : 'rotation-off') : undefined;
  return { revocations, rotationsQueued: 0, rotationSkipped, keyStates };
}

/** The check run's lines about what was done. */
export function actionNotes(a: Actions): string[] {
  const notes = a.revocations.map((r) => `GitHub token ${r.fingerprint}: ${r.outcome}${r.reason ? ` (${r.reason})` : ''}`);
  if (a.rotationsQueued > 0) notes.push(`${a.rotationsQueued} leaked key(s) queued for rotation.`);
  if (a.rotationSkipped === 'invalid-config') notes.push('Rotation skipped: the config is invalid.');
  if (a.rotationSkipped === 'rotation-off') notes.push('Rotation is off for this repository (rotation: false).');
  if (a.rotationSkipped === 'not-configured') notes.push('Rotation is not set up on this keywarden (no key service configured): roll the leaked keys by hand.');
  if (a.rotationSkipped === 'baseline-off') notes.push('Keys found in the history were not rolled (rotation.baseline is off).');
  return notes;
}
