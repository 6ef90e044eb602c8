// Shared helpers for the rotation tests: a rotate job payload as the app builds it.
import { createHash } from 'node:crypto';
import type { RotateJobData } from '../../src/rotation/rotateJobData.js';
import { idempotencyKeyFor } from '../../src/rotation/rotator.js';
import type { Queue, QueueEvents } from 'bullmq';
import { ROTATE_JOB_OPTIONS } from '../../src/queue/queues.js';

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

/**
 * Queues the rotate job for `data` and returns the outcome of the notify job it leads to (the
 * notify job is queued by the rotate step, so it is looked for until it exists).
 */
export async function rotateAndAwaitNotice<R>(queues: { rotate: Queue<RotateJobData>; notify: Queue; notifyEvents: QueueEvents }, data: RotateJobData, timeoutMs = 30_000): Promise<{ ret: Promise<R> }> {
  await queues.rotate.add(data.rotator, data, { ...ROTATE_JOB_OPTIONS, jobId: `rotate-${data.idempotencyKey}` });
  const id = `notify-${data.idempotencyKey}`;
  const ret = (async () => {
    for (let i = 0; i < 300; i++) {
      const job = await queues.notify.getJob(id);
      if (job) return (await job.waitUntilFinished(queues.notifyEvents, timeoutMs)) as R;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no notify job ${id}`);
  })();
  return { ret };
}

/** Closes a rotate worker suite's worker and queues, and deletes the queues' jobs. */
export async function closeRotateQueues(o: { handle?: { close(): Promise<void> }; notifyEvents?: QueueEvents; notifyQueue?: Queue; queue?: Queue<RotateJobData> }): Promise<void> {
  await o.handle?.close();
  await o.notifyEvents?.close();
  for (const q of [o.notifyQueue, o.queue]) {
    await q?.obliterate({ force: true }).catch(() => undefined);
    await q?.close();
  }
}
