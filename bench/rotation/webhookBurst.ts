// The chaos run's webhook side. The App (`keywarden serve`, a scan worker and the redelivery
// sweeper) runs in a process of its own (bench/rotation/chaosApp.ts) on the chaos run's Redis.
// A burst of signed push webhooks, each adding one live key to a real git repository, is sent
// by the GitHub stand-in (which keeps the delivery log); in the middle of the burst Redis is
// killed, so those webhooks are answered 503, and started again. The sweeper then has them
// redelivered. Found keys go to the rotate queue that the chaos run's rotate workers consume,
// so each must still be rolled once.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { SCAN_QUEUE } from '../../src/queue/queues.js';
import type { GitHubStandIn } from '../../test/support/githubStandIn.js';
import type { StoredDelivery } from '../../test/support/githubStandInHooks.js';
import { TestRepo } from '../../test/support/gitRepo.js';
import { ensureBuilt } from '../../test/support/ensureBuilt.js';
import { pushExample } from '../../test/support/webhookExamples.js';
import type { PrivateRedis } from './privateRedis.js';

const SECRET = 'chaos-webhook-secret';
const OWNER = 'octo-org';
const REPO = 'chaos-pushes';

export interface BurstFigures {
  sent: number;
  answered503: number;
  redeliveriesRequested: number;
  /** Events with no 2xx attempt at the end. */
  lost: number;
  scanJobs: { completed: number; failed: number; total: number };
  /** Pushes whose head got more or fewer than one keywarden check run. */
  headsWithoutOneRun: number;
  /** Why scan jobs failed for good (the first few). */
  failedScans: string[];
}

export class WebhookBurst {
  readonly deliveries: StoredDelivery[] = [];
  readonly secrets: string[];
  private readonly repo = new TestRepo();
  private readonly pushes: Array<{ before: string; after: string }> = [];
  private child: ChildProcess | null = null;
  private appUrl = '';
  private scanQueue: Queue | null = null;

  constructor(private readonly o: { redis: PrivateRedis; prefix: string; gh: GitHubStandIn; secrets: string[]; logs: string[]; say: (m: string) => void }) {
    this.secrets = o.secrets;
  }

  /** One commit per secret (so one push per leak), then the App's process. */
  async start(): Promise<void> {
    ensureBuilt();
    let before = this.repo.commit({ 'README.md': 'chaos\n' }, 'base');
    this.secrets.forEach((s, i) => {
      const after = this.repo.commit({ [`services/hook${i}/.env`]: `KEYSERVICE_SECRET_KEY=${s}\n` }, `service ${i}`);
      this.pushes.push({ before, after });
      before = after;
    });
    const child = fork(fileURLToPath(new URL('./chaosApp.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: { ...process.env, KEYWARDEN_ALLOW_FILE_CLONE: '1', CHAOS_APP: JSON.stringify({ redisUrl: this.o.redis.url, prefix: this.o.prefix, githubUrl: this.o.gh.url, webhookSecret: SECRET, sweepIntervalMs: 2_000 }) },
    });
    child.stdout!.on('data', (d: Buffer) => this.o.logs.push(d.toString('utf8')));
    child.stderr!.on('data', (d: Buffer) => this.o.logs.push(d.toString('utf8')));
    this.child = child;
    this.appUrl = await new Promise<string>((resolve, reject) => {
      child.once('message', (m: { url?: string }) => (m.url ? resolve(m.url) : reject(new Error('the chaos app sent no url'))));
      child.once('exit', (code) => reject(new Error(`the chaos app exited (${code}) before it listened`)));
    });
    this.o.say(`app process (serve + scan worker + redelivery sweeper) started (pid ${child.pid})`);
    this.scanQueue = new Queue(SCAN_QUEUE, { connection: new Redis(this.o.redis.url, { maxRetriesPerRequest: null }), prefix: this.o.prefix });
    this.scanQueue.on('error', () => undefined);
  }

  private payload(i: number) {
    const p = pushExample();
    Object.assign(p, { ref: 'refs/heads/main', before: this.pushes[i].before, after: this.pushes[i].after, created: false });
    // Private: a public repository's key is revoked, not rolled (rotation.publicRepos).
    Object.assign(p.repository, { name: REPO, full_name: `${OWNER}/${REPO}`, clone_url: this.repo.cloneUrl, default_branch: 'main', master_branch: 'main', private: true });
    p.repository.owner.login = OWNER;
    p.repository.owner.name = OWNER;
    return p;
  }

  /** Sends every push, `perTick` at a time; Redis is down (killed) for the middle third of them, about `downMs` in all. */
  async burst(perTick = 4, downMs = 3_000): Promise<string[]> {
    const n = this.pushes.length;
    const downAt = Math.floor(n / 3);
    const upAt = Math.floor((2 * n) / 3);
    const pause = downMs / Math.max(1, Math.ceil((upAt - downAt) / perTick));
    const events: string[] = [];
    let killed = false;
    let restarted = false;
    for (let i = 0; i < n; i += perTick) {
      if (i >= downAt && !killed) {
        killed = true;
        await this.o.redis.kill();
        events.push(`kill -9 redis-server during the webhook burst (after ${i} of ${n} webhooks sent)`);
        this.o.say(events.at(-1)!);
      }
      if (i >= upAt && killed && !restarted) {
        restarted = true;
        await this.o.redis.start();
        events.push(`redis-server started again (after ${i} of ${n} webhooks sent)`);
        this.o.say(events.at(-1)!);
      }
      const batch = Array.from({ length: Math.min(perTick, n - i) }, (_, k) => this.o.gh.deliverWebhook({ url: this.appUrl, secret: SECRET }, 'push', this.payload(i + k)));
      this.deliveries.push(...(await Promise.all(batch)));
      if (killed && !restarted) await new Promise((r) => setTimeout(r, pause));
    }
    if (killed && !restarted) await this.o.redis.start();
    return events;
  }

  /** Every event has a 2xx attempt and the scan queue has nothing left to do. */
  async done(): Promise<boolean> {
    if (!this.scanQueue) return false;
    const guids = new Set(this.deliveries.map((d) => d.guid));
    for (const g of guids) if (!this.o.gh.webhooks.ofGuid(g).some((a) => a.statusCode >= 200 && a.statusCode < 300)) return false;
    const c = await this.scanQueue.getJobCounts('waiting', 'active', 'delayed', 'prioritized').catch(() => null);
    return c !== null && Object.values(c).every((v) => v === 0);
  }

  async figures(): Promise<BurstFigures> {
    const guids = new Set(this.deliveries.map((d) => d.guid));
    const lost = [...guids].filter((g) => !this.o.gh.webhooks.ofGuid(g).some((a) => a.statusCode >= 200 && a.statusCode < 300)).length;
    const c = await this.scanQueue!.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed');
    const heads = this.pushes.map((p) => this.o.gh.state.checkRuns.filter((r) => r.repo === REPO && r.head_sha === p.after && r.name === 'keywarden').length);
    return {
      sent: guids.size,
      answered503: this.deliveries.filter((d) => d.statusCode === 503).length,
      redeliveriesRequested: this.o.gh.requests.filter((r) => r.operationId === 'apps/redeliver-webhook-delivery' && r.status === 202).length,
      lost,
      scanJobs: { completed: c.completed, failed: c.failed, total: Object.values(c).reduce((a, b) => a + b, 0) },
      headsWithoutOneRun: heads.filter((n) => n !== 1).length,
      failedScans: (await this.scanQueue!.getFailed(0, 4)).map((j) => `scan ${j.id}: ${j.failedReason} (attempts ${j.attemptsMade})`),
    };
  }

  async close(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await this.scanQueue?.close().catch(() => undefined);
    this.repo.remove();
  }
}
