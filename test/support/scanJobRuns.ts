// Helpers for tests that push scan jobs through a real BullMQ queue and wait for the outcome.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { Queue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll } from 'vitest';
import { SCAN_QUEUE } from '../../src/queue/queues.js';
import type { ScanJobData } from '../../src/app/scanJobData.js';
import { startScanWorker, type ScanWorkerHandle, type ScanWorkerOptions } from '../../src/app/scanWorker.js';
import { ensureBuilt } from './ensureBuilt.js';
import { startGitHubStandIn, type GitHubStandIn } from './githubStandIn.js';
import { matchOperation } from './openapiContract.js';
import { formatToken } from '../../src/keyformat/keyFormat.js';
import { TestRepo } from './gitRepo.js';

/** What a suite's tests use of its scan worker set-up (all running once the suite's hooks ran). */
export interface ScanWorkerRig {
  readonly gh: GitHubStandIn;
  readonly queue: Queue<ScanJobData>;
  readonly worker: ScanWorkerHandle;
  /** Every scan worker on the queue (`worker` is the first). */
  readonly workers: readonly ScanWorkerHandle[];
  /** The suite's BullMQ key prefix. */
  readonly prefix: string;
  /** Removes the repository after the suite. */
  track(repo: TestRepo): TestRepo;
}

/**
 * For the enclosing suite: the OpenAPI-validated GitHub stand-in, a scan queue on real Redis
 * under a prefix of its own, and the scan worker, with three tries per report step (the
 * retry suites aim faults at the later tries). All of it is closed, and the suite's Redis
 * keys deleted, after the suite.
 */
export interface ScanWorkerRigOptions {
  /** How many scan workers share the queue (default 1), as several processes would. */
  workers?: number;
  lock?: ScanWorkerOptions['lock'];
  /** Scan caps (default: the worker's). */
  limits?: Pick<ScanWorkerOptions, 'maxCommits' | 'maxBaselineCommits' | 'maxBytes'>;
  /** The workers' logger (default: silent). */
  log?: ScanWorkerOptions['log'];
}

export function scanWorkerRig(name: string, o: ScanWorkerRigOptions = {}): ScanWorkerRig {
  const prefix = `kw-${name}-${randomUUID().slice(0, 8)}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  let running: { gh: GitHubStandIn; queue: Queue<ScanJobData>; workers: ScanWorkerHandle[]; redis: Redis } | undefined;
  const repos: TestRepo[] = [];
  beforeAll(async () => {
    ensureBuilt();
    const gh = await startGitHubStandIn();
    // Parse GitHub's 70 MB OpenAPI description now: during a job's first call it blocks this
    // process long enough for the job's lock to lapse (a stall runs the job twice).
    matchOperation('GET', '/');
    const redis = new Redis({ host: '127.0.0.1', port: 6379 });
    const queue = new Queue<ScanJobData>(SCAN_QUEUE, { connection: { host: '127.0.0.1', port: 6379 }, prefix });
    const workers = Array.from({ length: o.workers ?? 1 }, () => startScanWorker({ redis: 'redis://127.0.0.1:6379', prefix, appId: 1, privateKey, baseUrl: gh.url, allowLocalClone: true, handleSignals: false, log: o.log ?? pino({ level: 'silent' }), githubRetry: { retries: 2, baseDelayMs: 20, maxDelayMs: 200 }, lock: o.lock, ...o.limits }));
    running = { gh, queue, workers, redis };
  });
  afterAll(async () => {
    for (const w of running?.workers ?? []) await w.close();
    await running?.queue.close();
    if (running) {
      const keys = await running.redis.keys(`${prefix}:*`);
      if (keys.length) await running.redis.del(...keys);
      await running.redis.quit();
      await running.gh.close();
    }
    for (const r of repos) r.remove();
  });
  const get = () => {
    if (!running) throw new Error('the scan worker rig is not running: use it inside a test or hook');
    return running;
  };
  return {
    get gh() { return get().gh; },
    get queue() { return get().queue; },
    get worker() { return get().workers[0]; },
    get workers() { return get().workers; },
    prefix,
    track(repo) {
      repos.push(repo);
      return repo;
    },
  };
}

/** A push scan of base..head, or a pull request scan when pullNumber is given. */
export function scanJobData(repo: TestRepo, owner: string, name: string, o: { base: string; head: string; pullNumber?: number }): ScanJobData {
  return {
    receivedAt: Date.now(),
    installationId: 1,
    owner,
    repo: name,
    cloneUrl: repo.cloneUrl,
    defaultBranch: 'main',
    event: o.pullNumber ? 'pull_request' : 'push',
    before: o.base,
    after: o.head,
    ref: o.pullNumber ? 'feature' : 'refs/heads/feature',
    ...(o.pullNumber ? { pullRequest: { number: o.pullNumber, baseSha: o.base, headSha: o.head } } : {}),
  };
}

/** The job once it completed or failed for good; `violations` are named if it never does. */
export async function finishedJob(queue: Queue<ScanJobData>, jobId: string, violations: readonly string[]): Promise<Job<ScanJobData>> {
  for (let i = 0; i < 600; i++) {
    const job = await queue.getJob(jobId);
    const state = job ? await job.getState() : undefined;
    // Read again once finished: `job` may be a snapshot from before (attemptsMade, returnvalue).
    if (job && (state === 'completed' || state === 'failed')) return (await queue.getJob(jobId)) ?? job;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`gave up waiting for ${jobId}; violations: ${violations.join(' | ')}`);
}

/**
 * A repository (removed after the suite) whose `feature` branch adds one live secret key in
 * config/prod.env and `publicKeys` public keys in web/public-keys.txt over a clean base.
 */
export function leakyRepo(rig: ScanWorkerRig, publicKeys: number): { repo: TestRepo; base: string; head: string } {
  const repo = rig.track(new TestRepo());
  const base = repo.commit({ 'README.md': 'hello\n' }, 'base');
  repo.branch('feature');
  const head = repo.commit({
    'config/prod.env': `KEYSERVICE_SECRET_KEY=${formatToken('secret', 'live')}\n`,
    'web/public-keys.txt': Array.from({ length: publicKeys }, () => `pk = ${formatToken('public', 'live')}`).join('\n') + '\n',
  }, 'add keys');
  return { repo, base, head };
}
