// GitHub's host does not resolve (RFC 6761 reserves `.invalid`: it never does). The scan
// worker must say so at the first failure, in words, and hand the job back to the queue's
// backoff at once instead of sleeping through in-process retries (which, nested, took about
// 80 s per call and kept SIGTERM waiting). Real Redis and BullMQ, the real scan worker.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { SCAN_QUEUE } from '../../src/queue/queues.js';
import type { ScanJobData } from '../../src/app/scanJobData.js';
import { scanJobId } from '../../src/app/enqueueScan.js';
import { startScanWorker, type ScanWorkerHandle } from '../../src/app/scanWorker.js';
import { ensureBuilt } from '../support/ensureBuilt.js';
import { finishedJob } from '../support/scanJobRuns.js';

const prefix = `kw-dns-${randomUUID().slice(0, 8)}`;
const HOST = 'api.keywarden-test.invalid';
const logLines: Array<{ msg: string; level: number; code?: string }> = [];
let queue: Queue<ScanJobData>;
let worker: ScanWorkerHandle;

beforeAll(() => {
  ensureBuilt();
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
  const sink = new Writable({ write(chunk, _enc, cb) { for (const line of String(chunk).split('\n').filter(Boolean)) logLines.push(JSON.parse(line)); cb(); } });
  queue = new Queue<ScanJobData>(SCAN_QUEUE, { connection: { host: '127.0.0.1', port: 6379 }, prefix });
  worker = startScanWorker({ redis: 'redis://127.0.0.1:6379', prefix, appId: 1, privateKey, baseUrl: `http://${HOST}`, handleSignals: false, log: pino({ level: 'info' }, sink) });
});
afterAll(async () => {
  await worker?.close();
  await queue?.close();
  const redis = new Redis({ host: '127.0.0.1', port: 6379 });
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

describe('a DNS failure', () => {
  it('is logged at the first failure with a clear message and fails the attempt at once, into the queue backoff', async () => {
    const data: ScanJobData = { receivedAt: Date.now(), installationId: 1, owner: 'Codertocat', repo: 'dns', cloneUrl: `https://${HOST}/Codertocat/dns.git`, defaultBranch: 'main', event: 'push', before: 'a'.repeat(40), after: 'b'.repeat(40), ref: 'refs/heads/main' };
    const jobId = scanJobId(data);
    await queue.add('push', data, { jobId, attempts: 2, backoff: { type: 'fixed', delay: 100 } });
    const job = await finishedJob(queue, jobId, []);
    expect(await job.getState()).toBe('failed');
    expect(job.attemptsMade).toBe(2);
    expect(job.failedReason).toMatch(new RegExp(`cannot resolve ${HOST.replace(/\./g, '\\.')} \\((ENOTFOUND|EAI_AGAIN)\\)`));
    // One error line per attempt, each right at its first failure (no silent retries before it).
    const dnsLines = logLines.filter((l) => l.code === 'GITHUB_DNS_FAILURE');
    expect(dnsLines.length).toBeGreaterThanOrEqual(2);
    expect(dnsLines[0].level).toBeGreaterThanOrEqual(50);
    expect(dnsLines[0].msg).toMatch(/GitHub is unreachable from this worker; check its DNS/);
    // The last attempt ran for the length of one failed lookup, not for in-process retries.
    expect(job.finishedOn! - job.processedOn!).toBeLessThan(10_000);
  });
});
