// Webhook handlers, through Probot's own receive(): valid payloads queue exactly the scan
// the event calls for; malformed ones are logged and queue nothing, without throwing.
// nock blocks the network: a handler that called GitHub would fail these tests.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import nock from 'nock';
import { Probot, ProbotOctokit } from 'probot';
import { pino } from 'pino';
import { generateKeyPairSync } from 'node:crypto';
import { keywardenApp } from '../../src/app/index.js';
import type { ScanJobData } from '../../src/app/scanJobData.js';
import { scanJobId } from '../../src/app/enqueueScan.js';
import { pullRequestExample, pushExample, tagPushExample, webhookExample } from '../support/webhookExamples.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
let probot: Probot;
let queued: ScanJobData[];
const deliveries: string[] = [];

beforeAll(() => {
  nock.disableNetConnect();
});
afterAll(() => {
  nock.enableNetConnect();
});
beforeEach(async () => {
  queued = [];
  deliveries.length = 0;
  probot = new Probot({ appId: 1, privateKey, log: pino({ level: 'silent' }), Octokit: ProbotOctokit.defaults({ retry: { enabled: false }, throttle: { enabled: false } }) });
  await probot.load(keywardenApp({ enqueue: async (d) => { queued.push(d); return scanJobId(d); }, onDelivery: (e, a) => deliveries.push(`${e}:${a}`), now: () => 1234 }));
});

const receive = (name: string, payload: unknown, id = 'delivery-1') => probot.receive({ id, name, payload } as never);

describe('push', () => {
  it('queues before..after of a branch push', async () => {
    const p = pushExample();
    p.before = 'a'.repeat(40);
    await receive('push', p);
    expect(queued).toEqual([expect.objectContaining({
      event: 'push', before: 'a'.repeat(40), after: p.after, ref: 'refs/heads/master', owner: 'Codertocat', repo: 'Hello-World',
      cloneUrl: 'https://github.com/Codertocat/Hello-World.git', defaultBranch: 'master', installationId: p.installation.id, receivedAt: 1234, deliveryId: 'delivery-1',
      // Links are built on the repository's page as the webhook's GitHub names it (Enterprise too).
      repoUrl: p.repository.html_url,
    })]);
    expect(nock.pendingMocks()).toEqual([]);
  });

  it('passes an all-zero before through for a new branch (the worker scans over the default branch)', async () => {
    await receive('push', pushExample());
    expect(queued[0].before).toBe('0'.repeat(40));
  });

  it("names each commit author's login and the pusher, so the owner issue can be assigned", async () => {
    const p = pushExample();
    const id = 'c'.repeat(40);
    p.commits = [
      { ...p.commits?.[0], id, author: { name: 'Mona', email: 'mona@example.com', username: 'mona-lisa' } },
      { ...p.commits?.[0], id: 'd'.repeat(40), author: { name: 'Bad', email: 'x@example.com', username: '../etc' } },
    ];
    p.sender = { ...p.sender, login: 'octo-pusher' };
    await receive('push', p);
    expect(queued[0].commitAuthors).toEqual({ [id]: 'mona-lisa' });
    expect(queued[0].actorLogin).toBe('octo-pusher');
  });

  it('queues a pushed tag on the commit it points to (head_commit), an annotated tag\'s `after` being the tag object', async () => {
    const p = tagPushExample();
    const commit = p.head_commit.id;
    p.after = 'e'.repeat(40);
    await receive('push', p);
    expect(queued).toEqual([expect.objectContaining({ event: 'push', ref: 'refs/tags/simple-tag', before: '0'.repeat(40), after: commit })]);
    expect(deliveries).toEqual(['push:queued']);
  });

  it('ignores deleted branches and tags, and refs that are neither', async () => {
    await receive('push', webhookExample('push', (p) => p.deleted && !!p.installation));
    const notes = pushExample();
    notes.ref = 'refs/notes/commits';
    await receive('push', notes);
    expect(queued).toEqual([]);
    expect(deliveries).toEqual(['push:ignored', 'push:ignored']);
  });

  it.each([
    ['no repository', (p: Record<string, any>) => { delete p.repository; }],
    ['no installation', (p: Record<string, any>) => { delete p.installation; }],
    ['after is not a sha', (p: Record<string, any>) => { p.after = 'main; rm -rf /'; }],
    ['before is a number', (p: Record<string, any>) => { p.before = 42; }],
    ['clone_url missing', (p: Record<string, any>) => { delete p.repository.clone_url; }],
  ])('logs and queues nothing when %s', async (_why, mutate) => {
    const p = pushExample();
    mutate(p);
    await expect(receive('push', p)).resolves.toBeUndefined();
    expect(queued).toEqual([]);
    expect(deliveries).toEqual(['push:invalid']);
  });
});

describe('check_run.rerequested', () => {
  it('re-runs a `keywarden / tag` run whose job is gone as a scan of that tag (the suite names it)', async () => {
    const p = webhookExample('check_run', (x) => x.action === 'rerequested' && !!x.installation);
    const head = 'f'.repeat(40);
    Object.assign(p.check_run, { name: 'keywarden / tag', head_sha: head, external_id: 'scan-unknown', pull_requests: [] });
    p.check_run.check_suite = { ...p.check_run.check_suite, head_branch: 'v1.2.0', head_sha: head, before: null, after: head };
    await receive('check_run', p);
    expect(queued).toEqual([expect.objectContaining({ event: 'push', ref: 'refs/tags/v1.2.0', before: '0'.repeat(40), after: head, rerun: 'delivery-1' })]);
  });
});

describe('pull_request', () => {
  it.each(['opened', 'synchronize'] as const)('queues base..head on %s', async (action) => {
    const p = pullRequestExample(action);
    await receive('pull_request', p);
    expect(queued).toEqual([expect.objectContaining({
      event: 'pull_request', before: p.pull_request.base.sha, after: p.pull_request.head.sha,
      pullRequest: { number: p.pull_request.number, baseSha: p.pull_request.base.sha, headSha: p.pull_request.head.sha, htmlUrl: p.pull_request.html_url },
    })]);
  });

  it('marks a pull request from a fork (or a deleted fork), whose head only refs/pull/N/head serves', async () => {
    const fork = pullRequestExample('opened');
    fork.pull_request.head.repo = { ...fork.pull_request.head.repo, id: fork.pull_request.base.repo.id + 1, full_name: 'someone/fork' };
    await receive('pull_request', fork, 'fork');
    const gone = pullRequestExample('opened');
    gone.pull_request.head.repo = null;
    await receive('pull_request', gone, 'gone');
    expect(queued.map((j) => j.pullRequest?.fromFork)).toEqual([true, true]);
  });

  it('ignores actions that change no code', async () => {
    await receive('pull_request', webhookExample('pull_request', (p) => p.action === 'labeled'));
    expect(queued).toEqual([]);
  });

  it('queues nothing for a PR without a head sha', async () => {
    const p = pullRequestExample('opened');
    delete p.pull_request.head.sha;
    await receive('pull_request', p);
    expect(queued).toEqual([]);
    expect(deliveries).toEqual(['pull_request:invalid']);
  });

  it('gives a redelivered or repeated event the same job id', async () => {
    const p = pullRequestExample('synchronize');
    await receive('pull_request', p, 'd1');
    await receive('pull_request', p, 'd2');
    expect(scanJobId(queued[0])).toBe(scanJobId(queued[1]));
    const other = structuredClone(p);
    other.pull_request.head.sha = 'b'.repeat(40);
    await receive('pull_request', other, 'd3');
    expect(scanJobId(queued[2])).not.toBe(scanJobId(queued[0]));
  });
});

describe('installation', () => {
  it('queues a baseline scan per repository', async () => {
    const p = webhookExample('installation', (x) => x.action === 'created');
    await receive('installation', p);
    expect(queued).toEqual([expect.objectContaining({ event: 'installation', owner: 'Codertocat', repo: 'Hello-World', cloneUrl: 'https://github.com/Codertocat/Hello-World.git', repoUrl: 'https://github.com/Codertocat/Hello-World', after: 'HEAD' })]);
  });

  it('queues the repositories added to an installation', async () => {
    const p = webhookExample('installation_repositories', (x) => x.action === 'added');
    await receive('installation_repositories', p);
    expect(queued.length).toBe(p.repositories_added.length);
  });

  it('rejects a repository entry with a path-like name', async () => {
    const p = webhookExample('installation', (x) => x.action === 'created');
    p.repositories[0].full_name = '../etc';
    await receive('installation', p);
    expect(queued).toEqual([]);
  });
  it('hands uninstall, suspend, unsuspend and repository removal to the queue keeper, and queues no scan', async () => {
    const changes: unknown[] = [];
    const probot2 = new Probot({ appId: 1, privateKey, log: pino({ level: 'silent' }), Octokit: ProbotOctokit.defaults({ retry: { enabled: false }, throttle: { enabled: false } }) });
    await probot2.load(keywardenApp({ enqueue: async (d) => { queued.push(d); return scanJobId(d); }, onInstallationChange: async (c) => { changes.push(c); return {}; }, onDelivery: (e, a) => deliveries.push(`${e}:${a}`) }));
    const deleted = webhookExample('installation', (x) => x.action === 'deleted');
    const suspend = webhookExample('installation', (x) => x.action === 'suspend');
    const unsuspend = webhookExample('installation', (x) => x.action === 'unsuspend');
    const removed = webhookExample('installation_repositories', (x) => x.action === 'removed');
    for (const [name, payload] of [['installation', deleted], ['installation', suspend], ['installation', unsuspend], ['installation_repositories', removed]] as const) {
      await probot2.receive({ id: 'd', name, payload } as never);
    }
    expect(changes).toEqual([
      { kind: 'uninstalled', installationId: deleted.installation.id, account: 'octocat', repos: [{ owner: 'octocat', repo: 'Hello-World' }] },
      { kind: 'suspended', installationId: suspend.installation.id },
      { kind: 'unsuspended', installationId: unsuspend.installation.id },
      { kind: 'repositories-removed', installationId: removed.installation.id, repos: [{ owner: 'octocat', repo: 'Hello-World' }] },
    ]);
    expect(queued).toEqual([]);
    expect(deliveries).toEqual(['installation:applied', 'installation:applied', 'installation:applied', 'installation_repositories:applied']);
  });

  it('answers 503 when the installation change cannot reach Redis, so GitHub can redeliver it', async () => {
    const probot2 = new Probot({ appId: 1, privateKey, log: pino({ level: 'silent' }), Octokit: ProbotOctokit.defaults({ retry: { enabled: false }, throttle: { enabled: false } }) });
    await probot2.load(keywardenApp({ enqueue: async (d) => scanJobId(d), onInstallationChange: async () => { throw new Error('Redis is not connected (reconnecting)'); }, onDelivery: (e, a) => deliveries.push(`${e}:${a}`) }));
    const err = await probot2.receive({ id: 'd', name: 'installation', payload: webhookExample('installation', (x) => x.action === 'suspend') } as never).then(() => undefined, (e: unknown) => e);
    // @octokit/webhooks answers with the status of the handler's error (inside its AggregateError).
    expect((err as { errors?: Array<{ status?: number; code?: string }> }).errors?.[0]).toMatchObject({ status: 503, code: 'QUEUE_UNAVAILABLE' });
    expect(deliveries).toEqual(['installation:unavailable']);
  });
});
