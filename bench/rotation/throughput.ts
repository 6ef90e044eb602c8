// Rotation throughput: N rotate jobs drained by 1 or 4 rotate workers (each a BullMQ Worker
// with concurrency 1, in this process), against the real key service and the GitHub
// stand-in. Each job = verify-free leak report (a roll in the key service) + issue search +
// assignee check + issue creation.
import { randomUUID } from 'node:crypto';
import { Queue, QueueEvents } from 'bullmq';
import { Octokit } from '@octokit/rest';
import { pino } from 'pino';
import { ROTATE_JOB_OPTIONS, ROTATE_QUEUE } from '../../src/queue/queues.js';
import type { RotateJobData } from '../../src/rotation/rotateJobData.js';
import { startRotateWorker, type RotateWorkerHandle } from '../../src/rotation/rotateWorker.js';
import { openRedis } from '../../src/queue/redis.js';
import { RotatorRegistry } from '../../src/rotation/rotator.js';
import { KeyServiceRotator } from '../../src/rotation/keyServiceRotator.js';
import type { GitHubStandIn } from '../../test/support/githubStandIn.js';
import type { KeyServiceHarness } from '../../test/rotation/keyServiceHarness.js';
import { rotateJobFor } from '../../test/rotation/fixtures.js';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

export interface ThroughputResult {
  workers: number;
  jobs: number;
  seconds: number;
  perSecond: number;
}

export async function measureThroughput(opts: { redisUrl: string; ks: KeyServiceHarness; gh: GitHubStandIn; ghToken: string; workers: number; jobs: number }): Promise<ThroughputResult> {
  const prefix = `kw-bench-tp-${randomUUID().slice(0, 8)}`;
  const connection = openRedis(opts.redisUrl);
  const queue = new Queue<RotateJobData>(ROTATE_QUEUE, { connection, prefix });
  // Each job's waitUntilFinished below listens for this queue's 'closing': one listener per job.
  queue.setMaxListeners(opts.jobs + 10);
  const events = new QueueEvents(ROTATE_QUEUE, { connection: { url: opts.redisUrl }, prefix });
  await events.waitUntilReady();
  const keys = [];
  for (let i = 0; i < opts.jobs; i++) keys.push(await opts.ks.issueKey('live'));
  const jobs = keys.map((k, i) => rotateJobFor(k.secretKey, { repo: `bench-${prefix}`, path: `app${i}.env` }));
  // Enqueue first, then start the workers: the clock measures draining, not enqueueing.
  const added = await queue.addBulk(jobs.map((data) => ({ name: data.rotator, data, opts: { ...ROTATE_JOB_OPTIONS, jobId: `rotate-${data.idempotencyKey}` } })));
  const started = Date.now();
  const handles: RotateWorkerHandle[] = [];
  for (let w = 0; w < opts.workers; w++) {
    handles.push(startRotateWorker({
      redis: opts.redisUrl,
      prefix,
      concurrency: 1,
      handleSignals: false,
      registry: new RotatorRegistry().register(new KeyServiceRotator({ baseUrl: opts.ks.url, ...opts.ks.bot })),
      github: async () => new Octokit({ baseUrl: opts.gh.url, auth: opts.ghToken, log: quiet }),
      metrics: { rotation() {}, webhookToRolled() {} },
      log: pino({ level: 'silent' }),
    }));
  }
  await Promise.all(added.map((j) => j.waitUntilFinished(events, 300_000)));
  const seconds = (Date.now() - started) / 1000;
  await Promise.all(handles.map((h) => h.close()));
  await events.close();
  await queue.obliterate({ force: true });
  await queue.close();
  await connection.quit();
  return { workers: opts.workers, jobs: opts.jobs, seconds, perSecond: opts.jobs / seconds };
}
