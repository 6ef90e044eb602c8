// What becomes of queued scan jobs when an installation changes (handlers/installationChange.ts):
// - uninstalled, or repositories removed: their waiting and delayed scans are dropped (GitHub
//   would refuse every call they make), and their baselines forgotten (baselineStore.ts), so
//   a repository added again gets a new baseline scan;
// - suspended: their scans are set aside in Redis, and queued again when the installation is
//   unsuspended (GitHub sends no webhooks meanwhile, so these are all there is to catch up).
// A job already running cannot be taken off the queue: it meets GitHub's 404/403 on its token
// and ends for good (scanWorker.ts), a suspended one set aside like the rest.
// Rotate and notify jobs are left alone on purpose: rotation goes through the key service, not
// GitHub, so a leaked key is still rolled after an uninstall; only the steps that tell the
// owner through GitHub cannot run, and the notify fallback deals with those.
import type { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ScanJobData } from './scanJobData.js';
import type { BaselineStore } from './baselineStore.js';
import type { InstallationChange, RepoName } from './handlers/installationChange.js';
import { enqueueScan, scanJobId } from './enqueueScan.js';

/** States of a job that is on the queue but not running. */
const QUEUED = ['waiting', 'delayed', 'prioritized', 'paused', 'waiting-children'] as const;
const PAGE = 500;

function parkedScansKey(prefix: string, installationId: number): string {
  return `${prefix}:keywarden:parked-scans:${installationId}`;
}

/** An installation suspended for longer than this has its set-aside scans forgotten. */
const PARKED_TTL_SECONDS = 30 * 24 * 3600;

/** Sets a scan aside until its installation is unsuspended (the worker's, too, on GitHub's 403). */
export async function parkScan(redis: Redis, prefix: string, data: ScanJobData): Promise<void> {
  const key = parkedScansKey(prefix, data.installationId);
  await redis.multi().rpush(key, JSON.stringify(data)).expire(key, PARKED_TTL_SECONDS).exec();
}

export interface InstallationChangeOutcome {
  dropped: number;
  parked: number;
  requeued: number;
  baselinesForgotten: number;
}

export class InstallationJobs {
  constructor(
    private readonly queue: Queue<ScanJobData>,
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly baseline: BaselineStore,
  ) {}

  private parkedKey(installationId: number): string {
    return parkedScansKey(this.prefix, installationId);
  }

  async apply(change: InstallationChange): Promise<InstallationChangeOutcome> {
    const out: InstallationChangeOutcome = { dropped: 0, parked: 0, requeued: 0, baselinesForgotten: 0 };
    switch (change.kind) {
      case 'uninstalled':
        out.dropped = await this.drop(await this.queued(change.installationId));
        await this.redis.del(this.parkedKey(change.installationId));
        out.baselinesForgotten = change.account ? await this.baseline.forgetAccount(change.account) : await this.baseline.forget(change.repos);
        break;
      case 'repositories-removed':
        out.dropped = await this.drop(await this.queued(change.installationId, change.repos));
        out.baselinesForgotten = await this.baseline.forget(change.repos);
        break;
      case 'suspended': {
        const jobs = await this.queued(change.installationId);
        for (const j of jobs) await parkScan(this.redis, this.prefix, j.data);
        out.parked = await this.drop(jobs);
        break;
      }
      case 'unsuspended':
        out.requeued = await this.requeueParked(change.installationId);
        break;
    }
    return out;
  }

  /** The installation's scans on the queue and not running (only those of `repos`, if given). */
  private async queued(installationId: number, repos?: RepoName[]): Promise<Array<Job<ScanJobData>>> {
    const wanted = repos && new Set(repos.map((r) => `${r.owner}/${r.repo}`.toLowerCase()));
    const found: Array<Job<ScanJobData>> = [];
    for (const state of QUEUED) {
      for (let start = 0; ; start += PAGE) {
        const jobs = await this.queue.getJobs([state], start, start + PAGE - 1, true);
        for (const j of jobs) {
          if (j?.data?.installationId !== installationId) continue;
          if (wanted && !wanted.has(`${j.data.owner}/${j.data.repo}`.toLowerCase())) continue;
          found.push(j);
        }
        if (jobs.length < PAGE) break;
      }
    }
    return found;
  }

  /** Removes jobs; one a worker took meanwhile is locked and stays (it ends on GitHub's refusal). */
  private async drop(jobs: Array<Job<ScanJobData>>): Promise<number> {
    let n = 0;
    for (const j of jobs) n += await j.remove().then(() => 1, () => 0);
    return n;
  }

  /**
   * Queues the set-aside scans again, then takes them off the list (a failed webhook is
   * redelivered and does this again: job ids are deterministic, so nothing runs twice). A scan
   * that failed for good on the suspension is still in the failed set under its id, where
   * it would block the new one: it is removed first.
   */
  private async requeueParked(installationId: number): Promise<number> {
    const key = this.parkedKey(installationId);
    const parked = await this.redis.lrange(key, 0, -1);
    for (const text of parked) {
      const data = JSON.parse(text) as ScanJobData;
      const earlier = await this.queue.getJob(scanJobId(data));
      if (earlier && (await earlier.isFailed())) await earlier.remove();
      await enqueueScan(this.queue, data);
    }
    if (parked.length > 0) await this.redis.ltrim(key, parked.length, -1);
    return parked.length;
  }
}
