// The scan worker's hand-off to the rotate queue: hash and preview only, a stable job id,
// and the commit author's login so the owner's issue can be assigned.
import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { attachSecret } from '../../src/scan/secret.js';
import type { Finding } from '../../src/scan/types.js';
import { formatToken } from '../../src/keyformat/keyFormat.js';
import { needsRotation, rotateJobFor } from '../../src/rotation/rotateJobData.js';
import { sourceUrlOf } from '../../src/rotation/rotateAndNotify.js';
import { issueBody } from '../../src/rotation/issueBody.js';

const secret = formatToken('secret', 'live');
const commit = 'a'.repeat(40);
function finding(over: Partial<Finding> = {}): Finding {
  const secretHash = createHash('sha256').update(secret).digest('hex');
  return attachSecret({
    ruleId: 'keywarden-secret-key-live', description: 'key', path: 'src/config.ts', line: 3, column: 7, endColumn: 53,
    severity: 'critical', confidence: 'high', kind: 'secret', rotator: 'keyservice', entropy: 5.1, preview: 'kwsk…(46)', secretHash,
    fingerprint: `${commit}:src/config.ts:keywarden-secret-key-live:${secretHash.slice(0, 16)}`, commit, author: 'Mona', ...over,
  }, secret);
}
const ctx = { receivedAt: 1, installationId: 2, owner: 'o', repo: 'r', repoUrl: 'https://github.com/o/r' };

describe('rotateJobFor', () => {
  it('carries the hash and preview, never the raw secret, under a job id derived from the fingerprint', () => {
    const a = rotateJobFor(finding(), ctx);
    const b = rotateJobFor(finding(), { ...ctx, receivedAt: 99 });
    expect(JSON.stringify(a)).not.toContain(secret);
    expect(a.data.secretHash).toBe(finding().secretHash);
    expect(a.opts.jobId).toBe(b.opts.jobId);
    expect(a.opts.jobId).toBe(`rotate-${a.data.idempotencyKey}`);
    expect(a.data.htmlUrl).toBe(`https://github.com/o/r/blob/${commit}/src/config.ts#L3`);
  });

  it("assigns the commit author's login, else the pusher or PR author", () => {
    expect(rotateJobFor(finding(), { ...ctx, commitAuthors: { [commit]: 'mona' }, actorLogin: 'pusher' }).data.authorLogin).toBe('mona');
    expect(rotateJobFor(finding(), { ...ctx, commitAuthors: { ['b'.repeat(40)]: 'mona' }, actorLogin: 'pusher' }).data.authorLogin).toBe('pusher');
    expect(rotateJobFor(finding(), ctx).data.authorLogin).toBeUndefined();
  });

  it("carries the repository's notify settings, so the notice can still go out when they can no longer be read", () => {
    expect(rotateJobFor(finding(), { ...ctx, notify: { email: 'security@example.com', fallbackRepo: 'o/security' } }).data.notify).toEqual({ email: 'security@example.com', fallbackRepo: 'o/security' });
    expect(rotateJobFor(finding(), { ...ctx, notify: {} }).data).not.toHaveProperty('notify');
  });

  it('queues only secret findings whose rotator consumes the rotate queue', () => {
    expect(needsRotation(finding())).toBe(true);
    expect(needsRotation(finding({ kind: 'public' }))).toBe(false);
    expect(needsRotation(finding({ rotator: 'github' }))).toBe(false);
    expect(needsRotation(finding({ rotator: undefined }))).toBe(false);
  });

  it("links to the repository's own GitHub (Enterprise too), never to github.com by default", () => {
    const ghe = { ...ctx, repoUrl: 'https://ghe.example.com/o/r' };
    const { data } = rotateJobFor(finding(), ghe);
    expect(data.htmlUrl).toBe(`https://ghe.example.com/o/r/blob/${commit}/src/config.ts#L3`);
    const withoutLine = { ...data, htmlUrl: undefined };
    expect(sourceUrlOf(withoutLine)).toBe(`https://ghe.example.com/o/r/commit/${commit}`);
    const body = issueBody(withoutLine, { outcome: 'rolled', via: 'report' }, new Date());
    expect(body).toContain(`Commit: https://ghe.example.com/o/r/commit/${commit}`);
    expect(body).not.toContain('https://github.com');
    // A job that does not know its repository's page (queued by an older release) gets no link.
    expect(sourceUrlOf({ ...withoutLine, repoUrl: undefined })).toBeUndefined();
  });
});
