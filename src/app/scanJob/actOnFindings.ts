// Step 4 of a scan job: act on what the scan found. Leaked GitHub tokens are revoked here
// (the raw token exists only in this process's memory); keys with a queued rotator get one
// rotate job each (hash and redacted preview only). Returns what was done, as data.
import type { Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { Finding } from '../../scan/index.js';
import { attachSecret } from '../../scan/secret.js';
import type { RevocationReport } from '../../rotation/githubRevoker.js';
import { needsRotation, rotateJobFor, type RotateJobData } from '../../rotation/rotateJobData.js';
import type { ScanJobData } from '../scanJobData.js';

export interface ActDeps {
  rotateQueue: Queue<RotateJobData>;
  log: Logger;
  /** REST API root, for credential revocation. */
  baseUrl?: string;
  /** GitHub Enterprise Server host: credential revocation does not exist there. */
  gheHost?: string;
}

export interface Actions {
  revocations: RevocationReport[];
  rotationsQueued: number;
  /** Why keys that need rotation were not queued. */
  rotationSkipped?: 'invalid-config' | 'rotation-off';
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

async function queueRotations(job: ScanJobData, findings: Finding[], deps: ActDeps): Promise<number> {
  const pullRequest = job.pullRequest ? { number: job.pullRequest.number, htmlUrl: job.pullRequest.htmlUrl } : undefined;
  let queued = 0;
  for (const f of findings.filter(needsRotation)) {
    const { name, data, opts } = rotateJobFor(f, { receivedAt: job.receivedAt, installationId: job.installationId, owner: job.owner, repo: job.repo, pullRequest, repoUrl: job.repoUrl, commitAuthors: job.commitAuthors, actorLogin: job.actorLogin });
    await deps.rotateQueue.add(name, data, opts);
    queued++;
  }
  return queued;
}

export async function actOnFindings(
  job: ScanJobData,
  scan: { findings: Finding[]; githubTokens: Array<[string, string]> },
  rotation: { enabled: boolean; invalidConfig: boolean },
  deps: ActDeps,
): Promise<Actions> {
  const revocations = await revokeGitHubTokensFound(scan.findings, scan.githubTokens, deps);
  if (rotation.enabled) return { revocations, rotationsQueued: await queueRotations(job, scan.findings, deps) };
  const rotationSkipped = scan.findings.some(needsRotation) ? (rotation.invalidConfig ? 'invalid-config' : 'rotation-off') : undefined;
  return { revocations, rotationsQueued: 0, rotationSkipped };
}

/** The check run's lines about what was done. */
export function actionNotes(a: Actions): string[] {
  const notes = a.revocations.map((r) => `GitHub token ${r.fingerprint}: ${r.outcome}${r.reason ? ` (${r.reason})` : ''}`);
  if (a.rotationsQueued > 0) notes.push(`${a.rotationsQueued} leaked key(s) queued for rotation.`);
  if (a.rotationSkipped === 'invalid-config') notes.push('Rotation skipped: the config is invalid.');
  if (a.rotationSkipped === 'rotation-off') notes.push('Rotation is off for this repository (rotation: false).');
  return notes;
}
