// The chaos run's webhook side: `keywarden serve`, a scan worker and the redelivery sweeper,
// in this process, on the chaos run's own Redis. A burst of signed push webhooks, each adding
// one live key to a real git repository, is sent by the GitHub stand-in (which keeps the
// delivery log); in the middle of the burst Redis is killed, so those webhooks are answered
// 503, and started again. The sweeper then has them redelivered. Found keys go to the rotate
// queue that the chaos run's rotate workers consume, so each must still be rolled once.
import { generateKeyPairSync } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { startServer, type RunningServer } from '../../src/app/server.js';
import { startScanWorker, type ScanWorkerHandle } from '../../src/app/scanWorker.js';
import { createRedeliverySweeper, type RedeliverySweeper } from '../../src/app/redeliverySweeper.js';
import { gitHubApp } from '../../src/github/client.js';
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
  private server: RunningServer | null = null;
  private worker: ScanWorkerHandle | null = null;
  private sweeper: RedeliverySweeper | null = null;

  constructor(private readonly o: { redis: PrivateRedis; prefix: string; gh: GitHubStandIn; secrets: string[]; logs: string[]; say: (m: string) => void }) {
    this.secrets = o.secrets;
  }

  /** One commit per secret (so one push per leak), then the App's server, scan worker and sweeper. */
  async start(): Promise<void> {
    ensureBuilt();
    let before = this.repo.commit({ 'README.md': 'chaos\n' }, 'base');
    this.secrets.forEach((s, i) => {
      const after = this.repo.commit({ [`services/hook${i}/.env`]: `KEYSERVICE_SECRET_KEY=${s}\n` }, `service ${i}`);
      this.pushes.push({ before, after });
      before = after;
    });
    const stream = new Writable({ write: (chunk, _enc, cb) => { this.o.logs.push(String(chunk)); cb(); } });
    const log = pino({ level: 'info', base: { process: 'chaos-app' } }, stream);
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const common = { appId: 1, privateKey, baseUrl: this.o.gh.url, prefix: this.o.prefix, log };
    this.server = await startServer({ ...common, webhookSecret: SECRET, redis: this.o.redis.url, port: 0 });
    this.worker = startScanWorker({ ...common, redis: this.o.redis.url, allowLocalClone: true, handleSignals: false, concurrency: 4, githubRetry: { retries: 6, baseDelayMs: 50, maxDelayMs: 1_000 } });
    const app = gitHubApp({ ...common, retry: { retries: 6, baseDelayMs: 50, maxDelayMs: 1_000 } });
    this.sweeper = createRedeliverySweeper({ github: () => app.app(), redis: this.o.redis.url, prefix: this.o.prefix, log, intervalMs: 2_000 });
    this.sweeper.start(1_000);
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
      const batch = Array.from({ length: Math.min(perTick, n - i) }, (_, k) => this.o.gh.deliverWebhook({ url: this.server!.url, secret: SECRET }, 'push', this.payload(i + k)));
      this.deliveries.push(...(await Promise.all(batch)));
      if (killed && !restarted) await new Promise((r) => setTimeout(r, pause));
    }
    if (killed && !restarted) await this.o.redis.start();
    return events;
  }

  /** Every event has a 2xx attempt and the scan queue has nothing left to do. */
  async done(): Promise<boolean> {
    if (!this.server) return false;
    const guids = new Set(this.deliveries.map((d) => d.guid));
    for (const g of guids) if (!this.o.gh.webhooks.ofGuid(g).some((a) => a.statusCode >= 200 && a.statusCode < 300)) return false;
    const c = await this.server.queues.scan.getJobCounts('waiting', 'active', 'delayed', 'prioritized').catch(() => null);
    return c !== null && Object.values(c).every((v) => v === 0);
  }

  async figures(): Promise<BurstFigures> {
    const guids = new Set(this.deliveries.map((d) => d.guid));
    const lost = [...guids].filter((g) => !this.o.gh.webhooks.ofGuid(g).some((a) => a.statusCode >= 200 && a.statusCode < 300)).length;
    const c = await this.server!.queues.scan.getJobCounts('completed', 'failed', 'waiting', 'active', 'delayed');
    const heads = this.pushes.map((p) => this.o.gh.state.checkRuns.filter((r) => r.repo === REPO && r.head_sha === p.after && r.name === 'keywarden').length);
    return {
      sent: guids.size,
      answered503: this.deliveries.filter((d) => d.statusCode === 503).length,
      redeliveriesRequested: this.o.gh.requests.filter((r) => r.operationId === 'apps/redeliver-webhook-delivery' && r.status === 202).length,
      lost,
      scanJobs: { completed: c.completed, failed: c.failed, total: Object.values(c).reduce((a, b) => a + b, 0) },
      headsWithoutOneRun: heads.filter((n) => n !== 1).length,
      failedScans: (await this.server!.queues.scan.getFailed(0, 4)).map((j) => `scan ${j.id}: ${j.failedReason} (attempts ${j.attemptsMade})`),
    };
  }

  async close(): Promise<void> {
    await this.sweeper?.close();
    await this.worker?.close();
    await this.server?.close();
    this.repo.remove();
  }
}
