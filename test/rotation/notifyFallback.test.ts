// When the owner's issue cannot be opened (issues disabled: 410; archived: 403), the rotate
// worker still tells someone: a comment on the leaking commit, else an issue in the org's
// `notify.fallbackRepo`; with neither, the notify job fails for good and is counted in metrics.
// Real Redis, the real key service, the OpenAPI-validating GitHub stand-in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Queue, QueueEvents } from 'bullmq';
import { Octokit } from '@octokit/rest';
import { withRetryHook } from '../../src/github/client.js';
import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { NOTIFY_QUEUE, ROTATE_QUEUE } from '../../src/queue/queues.js';
import type { RotateJobData } from '../../src/rotation/rotateJobData.js';
import { startRotateWorker, type RotateWorkerHandle } from '../../src/rotation/rotateWorker.js';
import type { NotifyJobReturn } from '../../src/rotation/rotateAndNotify.js';
import { openRedis } from '../../src/queue/redis.js';
import { registry } from '../../src/queue/metrics.js';
import { RotatorRegistry } from '../../src/rotation/rotator.js';
import { KeyServiceRotator } from '../../src/rotation/keyServiceRotator.js';
import { startGitHubStandIn, type GitHubStandIn } from '../support/githubStandIn.js';
import type { NotifyState } from '../support/githubStandInNotify.js';
import { matchOperation } from '../support/openapiContract.js';
import { startKeyServiceHarness, type KeyServiceHarness } from './keyServiceHarness.js';
import { closeRotateQueues, rotateAndAwaitNotice, rotateJobFor } from './fixtures.js';

const REDIS = { host: '127.0.0.1', port: 6379 };
const prefix = `kw-test-notifyfb-${randomUUID().slice(0, 8)}`;
const TOKEN = 'ghs_notifyfallbacktesttoken000000000000';
const quiet = { debug() {}, info() {}, warn() {}, error() {} };

let ks: KeyServiceHarness;
let gh: GitHubStandIn;
let queue: Queue<RotateJobData>;
let notifyQueue: Queue;
let notifyEvents: QueueEvents;
let handle: RotateWorkerHandle;
const fallbackRepos = new Map<string, string>();

const notifyState = () => gh.state as unknown as Partial<NotifyState>;
function setRepo(repo: string, settings: { hasIssues?: boolean; archived?: boolean }) {
  const s = notifyState();
  s.repoSettings ??= new Map();
  s.commitComments ??= [];
  s.repoSettings.set(`octo-org/${repo}`, settings);
}

beforeAll(async () => {
  ks = await startKeyServiceHarness({ realClock: true });
  gh = await startGitHubStandIn();
  gh.state.tokens.add(TOKEN);
  matchOperation('GET', '/');
  const connection = openRedis(REDIS);
  queue = new Queue<RotateJobData>(ROTATE_QUEUE, { connection, prefix });
  notifyQueue = new Queue(NOTIFY_QUEUE, { connection, prefix });
  notifyEvents = new QueueEvents(NOTIFY_QUEUE, { connection: REDIS, prefix });
  await notifyEvents.waitUntilReady();
  handle = startRotateWorker({
    redis: REDIS,
    prefix,
    handleSignals: false,
    backoffBaseMs: 20,
    backoffMaxMs: 50,
    registry: new RotatorRegistry().register(new KeyServiceRotator({ baseUrl: ks.url, ...ks.bot })),
    github: async (installationId) => withRetryHook(new Octokit({ baseUrl: gh.url, auth: TOKEN, log: quiet }), installationId, { retry: { retries: 1, baseDelayMs: 5, maxDelayMs: 20 } }),
    issueSettings: async (job) => ({ labels: ['security'], fallbackRepo: fallbackRepos.get(job.repo) }),
    log: pino({ level: 'silent' }),
  });
});

afterAll(async () => {
  await closeRotateQueues({ handle, notifyEvents, notifyQueue, queue });
  await gh?.close();
  await ks?.close();
});

async function leak(repo: string): Promise<{ data: RotateJobData; ret: Promise<NotifyJobReturn> }> {
  const key = await ks.issueKey('live');
  const data = rotateJobFor(key.secretKey, { repo, fingerprint: `keywarden-secret-key:${repo}:${randomUUID()}` });
  const { ret } = await rotateAndAwaitNotice<NotifyJobReturn>({ rotate: queue, notify: notifyQueue, notifyEvents }, data);
  return { data, ret };
}

describe('owner notice when the issue cannot be opened', () => {
  it('issues disabled (410): comments once on the leaking commit instead', async () => {
    setRepo('no-issues', { hasIssues: false });
    const { data, ret } = await leak('no-issues');
    expect(await ret).toMatchObject({ outcome: 'rolled', fallback: 'commit-comment' });
    const comments = (notifyState().commitComments ?? []).filter((c) => c.repo === 'no-issues');
    expect(comments).toHaveLength(1);
    expect(comments[0].commit_id).toBe(data.commit);
    expect(comments[0].body).toContain('**rolled it**');
    expect(gh.state.issues.filter((i) => i.repo === 'no-issues')).toEqual([]);
    expect(gh.violations).toEqual([]);
  });

  it('archived (403): opens the issue in notify.fallbackRepo, naming the repository', async () => {
    setRepo('archived', { archived: true });
    fallbackRepos.set('archived', 'octo-org/security');
    const { ret } = await leak('archived');
    expect(await ret).toMatchObject({ outcome: 'rolled', fallback: 'fallback-repo' });
    const [issue] = gh.state.issues.filter((i) => i.repo === 'security');
    expect(issue.body).toContain('| Repository | `octo-org/archived` (its issues could not be opened) |');
    expect(gh.violations).toEqual([]);
  });

  it('archived and no fallback: the notify job fails for good and is counted', async () => {
    setRepo('archived-alone', { archived: true });
    const { ret } = await leak('archived-alone');
    await expect(ret).rejects.toThrow(/NOTIFY_NO_CHANNEL/);
    // The counter is bumped by the worker's failed event, which may land just after.
    let text = '';
    for (let i = 0; i < 50 && !/keywarden_notify_failed_total\{code="NOTIFY_NO_CHANNEL"\} [1-9]/.test(text); i++) {
      text = await registry.metrics();
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(text).toMatch(/keywarden_notify_failed_total\{code="NOTIFY_NO_CHANNEL"\} [1-9]/);
  });
});
