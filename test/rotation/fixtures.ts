// Shared helpers for the rotation tests: a rotate job payload as the app builds it.
import { createHash } from 'node:crypto';
import type { RotateJobData } from '../../src/rotation/rotateJobData.js';
import { idempotencyKeyFor } from '../../src/rotation/rotator.js';

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A rotate job for `secret` (only its hash and a preview go in, as in production). */
export function rotateJobFor(secret: string, over: Partial<RotateJobData> = {}): RotateJobData {
  const secretHash = sha256(secret);
  const path = over.path ?? 'config/settings.py';
  const fingerprint = over.fingerprint ?? `keywarden-secret-key:${path}:${secretHash}`;
  return {
    receivedAt: Date.now(),
    installationId: 1,
    owner: 'octo-org',
    repo: 'shop',
    ruleId: 'keywarden-secret-key',
    rotator: 'keyservice',
    kind: 'secret',
    secretHash,
    preview: `${secret.slice(0, 10)}…${secret.slice(-4)}`,
    fingerprint,
    idempotencyKey: idempotencyKeyFor(fingerprint),
    path,
    line: 12,
    commit: 'a'.repeat(40),
    author: 'Mona Octocat',
    authorLogin: 'octocat',
    ...over,
  };
}
