// A pull request scan that runs again, or a review write whose answer was lost, must leave one
// review. Real Redis and BullMQ, a real git repository, the scan worker, and the
// OpenAPI-validated GitHub stand-in failing chosen calls, some after it stored the write.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { formatToken } from '../../src/keyservice/keyFormat.js';
import { LEAK_MARKER_RE } from '../../src/app/report/findingText.js';
import { SCAN_QUEUE, type ScanJobData } from '../../src/queue/queues.js';
import { enqueueScan } from '../../src/queue/scanJobs.js';
import { startScanWorker, type ScanWorkerHandle } from '../../src/queue/scanWorker.js';
import { startGitHubStandIn, type GitHubStandIn } from '../support/githubStandIn.js';
import { TestRepo } from '../support/gitRepo.js';
import { ensureBuilt } from '../support/ensureBuilt.js';
import { finishedJob, scanJobData } from '../support/scanJobRuns.js';

const PREFIX = `kw-review-retry-${randomUUID().slice(0, 8)}`;
const OWNER = 'Codertocat';
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

let gh: GitHubStandIn;
let worker: ScanWorkerHandle;
let queue: Queue<ScanJobData>;
let redis: Redis;
const repos: TestRepo[] = [];

beforeAll(async () => {
  ensureBuilt();
  gh = await startGitHubStandIn();
  redis = new Redis({ host: '127.0.0.1', port: 6379 });
  queue = new Queue<ScanJobData>(SCAN_QUEUE, { connection: { host: '127.0.0.1', port: 6379 }, prefix: PREFIX });
  // Three tries per report step: the tests count on it when they aim faults at the later tries.
  worker = startScanWorker({ redis: 'redis://127.0.0.1:6379', prefix: PREFIX, appId: 1, privateKey, baseUrl: gh.url, allowLocalClone: true, handleSignals: false, log: pino({ level: 'silent' }), githubRetry: { retries: 2, baseDelayMs: 20, maxDelayMs: 200 } });
});

afterAll(async () => {
  await worker?.close();
  await queue?.close();
  const keys = await redis.keys(`${PREFIX}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
  await gh?.close();
  for (const r of repos) r.remove();
});

/** A pull request whose head commit adds one live secret key and three public keys: four leaks to review. */
function leakyPull(name: string, pull: { number: number; outdatedPaths?: string[] }) {
  const repo = new TestRepo();
  repos.push(repo);
  const base = repo.commit({ 'README.md': 'hello\n' }, 'base');
  repo.branch('feature');
  const secret = formatToken('secret', 'live');
  const head = repo.commit({
    'config/prod.env': `KEYSERVICE_SECRET_KEY=${secret}\n`,
    'web/public-keys.txt': Array.from({ length: 3 }, () => `pk = ${formatToken('public', 'live')}`).join('\n') + '\n',
  }, 'add keys');
  gh.addPull(OWNER, name, { ...pull, baseSha: base, headSha: head });
  return { data: scanJobData(repo, OWNER, name, { base, head, pullNumber: pull.number }), secret };
}

const markersIn = (text: string) => [...text.matchAll(LEAK_MARKER_RE)].map((m) => m[1]);
const reviewsOf = (name: string) => gh.state.reviews.filter((r) => r.repo === name);
const commentsOf = (name: string) => gh.state.reviewComments.filter((c) => c.repo === name);
const statusesOf = (operationId: string, name: string) => gh.requests.filter((r) => r.operationId === operationId && r.url.includes(`/${OWNER}/${name}/`)).map((r) => r.status);

describe('pull request review idempotency', () => {
  it('a review GitHub stored before answering 502 is not posted again', async () => {
    const name = 'review-lost-answer';
    const { data } = leakyPull(name, { number: 5 });
    gh.failOperation({ operationId: 'pulls/create-review', status: 502, times: 1, afterActing: true });

    const job = await finishedJob(queue, await enqueueScan(queue, data), gh.violations);
    gh.clearOperationFaults();
    const reviews = reviewsOf(name);
    expect(reviews).toHaveLength(1);
    const comments = commentsOf(name);
    expect(comments).toHaveLength(4);
    expect(comments.every((c) => c.review_id === reviews[0].id)).toBe(true);
    expect(new Set(comments.flatMap((c) => markersIn(c.body))).size).toBe(4);
    // One write: the next try read the stored review's comments and had nothing left to say.
    expect(statusesOf('pulls/create-review', name)).toEqual([502]);
    expect(await job.getState()).toBe('completed');
    expect(job.failedReason).toBeUndefined();
    expect(gh.violations).toEqual([]);
  });

  it('a scan retried after the body-only fallback review keeps that one review', async () => {
    const name = 'review-fallback-retried';
    // The secret's line is no longer in the diff: GitHub refuses the comments (422), and the
    // leaks go in the body of a review without comments.
    const { data, secret } = leakyPull(name, { number: 6, outdatedPaths: ['config/prod.env'] });
    // That review is stored but its answer lost, and GitHub then fails every read of the
    // reviews until the job has failed: BullMQ runs the whole scan again.
    gh.failOperation({ operationId: 'pulls/create-review', status: 502, skip: 1, times: 1, afterActing: true });
    gh.failOperation({ operationId: 'pulls/list-reviews', status: 502, skip: 1 });
    const clearFaults = () => gh.clearOperationFaults();
    worker.worker.once('failed', clearFaults);

    const job = await finishedJob(queue, await enqueueScan(queue, data), gh.violations);
    worker.worker.off('failed', clearFaults);
    gh.clearOperationFaults();
    const reviews = reviewsOf(name);
    expect(reviews).toHaveLength(1);
    expect(commentsOf(name)).toEqual([]);
    expect(new Set(markersIn(reviews[0].body ?? '')).size).toBe(4);
    expect(reviews[0].body).toContain('`config/prod.env` line 1');
    // Both faults fired, and the job failed once before it completed.
    expect(statusesOf('pulls/create-review', name)).toEqual([422, 502]);
    expect(job.failedReason).toMatch(/Server Error|502/);
    expect(await job.getState()).toBe('completed');
    expect(statusesOf('pulls/list-reviews', name).at(-1)).toBe(200);
    expect(gh.requestsContaining(secret)).toEqual([]);
    expect(gh.violations).toEqual([]);
  });
});
