// The redelivery sweeper: runs with `keywarden worker`. While Redis is down, `keywarden serve`
// answers webhooks 503 and GitHub records failed deliveries, which GitHub never redelivers by
// itself. Every interval, once Redis answers again, the sweeper lists the App's deliveries of
// the last few hours and asks GitHub to redeliver each event that has no successful attempt.
// Scan job ids are deterministic, so an event that did get through is not scanned twice.
//   - one sweep at a time across workers (a Redis lock; a busy lock means someone sweeps);
//   - each event (guid) at most once per sweep, and not again while an earlier request for
//     it may still be on its way (a per-guid marker with a TTL, shared by all workers);
//   - never an event with a 2xx attempt, one our server refused for good (4xx: a bad
//     signature will not get better), or one already tried `maxAttempts` times.
import type { Redis, RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { listHookDeliveriesSince, redeliverHookDelivery, type HookDelivery } from '../github/hookDeliveries.js';
import type { GitHubClient } from '../github/retry.js';
import { AppConfigError } from '../github/endpoints.js';
import { openProducerRedis, whileRedisUp } from '../queue/redis.js';
import { redisLock } from '../queue/redisLock.js';
import { redeliverySweepsTotal, webhookRedeliveriesTotal } from '../queue/metrics.js';

export const REDELIVERY_DEFAULTS = { intervalMs: 5 * 60_000, lookbackMs: 6 * 3600_000, maxAttempts: 5 };
/** GitHub keeps deliveries, and redelivers them, for 3 days; stay clear of the edge. */
export const MAX_LOOKBACK_MS = 71 * 3600_000;

/** Answers worth trying again: none at all (0: timeout, connection refused), 5xx, 408, 429. */
export function isRetryableStatus(code: number): boolean {
  return code === 0 || code >= 500 || code === 408 || code === 429;
}

export type SkipReason = 'succeeded' | 'refused' | 'gave-up';

export interface RedeliveryPlan {
  /** The newest attempt of each event to redeliver, oldest event first. */
  redeliver: HookDelivery[];
  skipped: Array<{ guid: string; reason: SkipReason }>;
}

/** Which events to redeliver, from deliveries as listed (any order). */
export function planRedeliveries(deliveries: readonly HookDelivery[], maxAttempts = REDELIVERY_DEFAULTS.maxAttempts): RedeliveryPlan {
  const byGuid = new Map<string, HookDelivery[]>();
  for (const d of deliveries) byGuid.set(d.guid, [...(byGuid.get(d.guid) ?? []), d]);
  const plan: RedeliveryPlan = { redeliver: [], skipped: [] };
  for (const [guid, attempts] of byGuid) {
    attempts.sort((a, b) => b.deliveredAt - a.deliveredAt || b.id - a.id);
    const newest = attempts[0];
    if (attempts.some((a) => a.statusCode >= 200 && a.statusCode < 300)) plan.skipped.push({ guid, reason: 'succeeded' });
    else if (!isRetryableStatus(newest.statusCode)) plan.skipped.push({ guid, reason: 'refused' });
    else if (attempts.length >= maxAttempts) plan.skipped.push({ guid, reason: 'gave-up' });
    else plan.redeliver.push(newest);
  }
  plan.redeliver.sort((a, b) => a.deliveredAt - b.deliveredAt);
  return plan;
}

export interface SweepResult {
  outcome: 'swept' | 'redis-down' | 'locked' | 'error';
  listed: number;
  requested: string[];
  refused: number;
  skipped: RedeliveryPlan['skipped'];
}

export interface RedeliverySweeperOptions {
  /** An Octokit authenticated as the App (its JWT): GitHubApp.app(). */
  github: () => Promise<GitHubClient>;
  redis: string | RedisOptions;
  prefix: string;
  log: Logger;
  intervalMs?: number;
  lookbackMs?: number;
  maxAttempts?: number;
  now?: () => number;
}

export interface RedeliverySweeper {
  /** One sweep now (tests, and the timer). */
  sweep(): Promise<SweepResult>;
  /** Sweeps every interval, the first one soon after start: a worker restarted after an outage catches up. */
  start(firstInMs?: number): void;
  close(): Promise<void>;
}

export function createRedeliverySweeper(o: RedeliverySweeperOptions): RedeliverySweeper {
  const intervalMs = o.intervalMs ?? REDELIVERY_DEFAULTS.intervalMs;
  const lookbackMs = Math.min(o.lookbackMs ?? REDELIVERY_DEFAULTS.lookbackMs, MAX_LOOKBACK_MS);
  const maxAttempts = o.maxAttempts ?? REDELIVERY_DEFAULTS.maxAttempts;
  const now = o.now ?? Date.now;
  // Fail-fast commands: a sweep during an outage is skipped, never left hanging.
  const conn: Redis = openProducerRedis(o.redis);
  conn.on('error', () => undefined);
  const lock = redisLock(conn, { prefix: `${o.prefix}:keywarden:redelivery`, ttlMs: 60_000, waitMs: 0 });
  const askedKey = (guid: string) => `${o.prefix}:keywarden:redelivery:asked:${guid}`;

  const empty = (outcome: SweepResult['outcome']): SweepResult => ({ outcome, listed: 0, requested: [], refused: 0, skipped: [] });

  async function sweepLocked(): Promise<SweepResult> {
    const octokit = await o.github();
    const deliveries = await listHookDeliveriesSince(octokit, now() - lookbackMs);
    const plan = planRedeliveries(deliveries, maxAttempts);
    const result: SweepResult = { outcome: 'swept', listed: deliveries.length, requested: [], refused: 0, skipped: plan.skipped };
    for (const d of plan.redeliver) {
      // Asked within the last interval (by this or another worker): GitHub may not have
      // listed that attempt yet, so asking again would only send the event twice.
      const fresh = await whileRedisUp(conn, () => conn.set(askedKey(d.guid), String(d.id), 'PX', intervalMs, 'NX'));
      if (fresh !== 'OK') continue;
      try {
        await redeliverHookDelivery(octokit, d.id);
        result.requested.push(d.guid);
        webhookRedeliveriesTotal.inc({ result: 'requested' });
        o.log.info({ guid: d.guid, deliveryId: d.id, event: d.event, action: d.action, lastStatus: d.statusCode }, 'asked GitHub to redeliver a failed webhook');
      } catch (err) {
        const e = err as { status?: number; message?: string };
        result.refused++;
        webhookRedeliveriesTotal.inc({ result: 'refused' });
        await conn.del(askedKey(d.guid)).catch(() => undefined);
        o.log.warn({ guid: d.guid, deliveryId: d.id, status: e.status, err: { message: e.message } }, 'GitHub refused to redeliver a webhook; the next sweep tries again');
      }
    }
    const gaveUp = plan.skipped.filter((s) => s.reason === 'gave-up');
    if (gaveUp.length > 0) o.log.warn({ guids: gaveUp.map((s) => s.guid) }, `${gaveUp.length} webhook(s) still failing after ${maxAttempts} attempts; not redelivered again`);
    return result;
  }

  let inFlight: Promise<SweepResult> | null = null;
  async function sweepOnce(): Promise<SweepResult> {
    const up = await whileRedisUp(conn, () => conn.ping()).then(() => true, () => false);
    if (!up) return empty('redis-down');
    try {
      return await lock('sweep', sweepLocked);
    } catch (err) {
      const e = err as { code?: string; status?: number; message?: string };
      if (e.code === 'LOCK_TIMEOUT') return empty('locked');
      o.log.warn({ status: e.status, err: { message: e.message } }, 'redelivery sweep failed; the next one tries again');
      return empty('error');
    }
  }
  function sweep(): Promise<SweepResult> {
    inFlight ??= sweepOnce()
      .then((r) => {
        redeliverySweepsTotal.inc({ outcome: r.outcome });
        if (r.outcome === 'swept' && r.requested.length + r.refused > 0) o.log.info({ listed: r.listed, requested: r.requested.length, refused: r.refused }, 'redelivery sweep done');
        return r;
      })
      .finally(() => { inFlight = null; });
    return inFlight;
  }

  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  return {
    sweep,
    start(firstInMs = Math.min(intervalMs, 10_000)) {
      const next = (ms: number) => {
        if (closed) return;
        timer = setTimeout(() => void sweep().finally(() => next(intervalMs)), ms);
        timer.unref();
      };
      next(firstInMs);
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      await inFlight?.catch(() => undefined);
      await conn.quit().catch(() => undefined);
    },
  };
}

/** REDELIVERY_INTERVAL_S (0: off) and REDELIVERY_LOOKBACK_H, checked; undefined when off. */
export function redeliverySettingsFromEnv(env: NodeJS.ProcessEnv): { intervalMs: number; lookbackMs: number } | undefined {
  const interval = Number(env.REDELIVERY_INTERVAL_S ?? REDELIVERY_DEFAULTS.intervalMs / 1000);
  const lookback = Number(env.REDELIVERY_LOOKBACK_H ?? REDELIVERY_DEFAULTS.lookbackMs / 3600_000);
  if (!Number.isFinite(interval) || interval < 0) throw new AppConfigError(`REDELIVERY_INTERVAL_S must be a number of seconds (0 turns the sweeper off), not "${env.REDELIVERY_INTERVAL_S}"`);
  if (!Number.isFinite(lookback) || lookback <= 0 || lookback * 3600_000 > MAX_LOOKBACK_MS) {
    throw new AppConfigError(`REDELIVERY_LOOKBACK_H must be hours between 0 and ${MAX_LOOKBACK_MS / 3600_000} (GitHub redelivers only deliveries of the last 3 days), not "${env.REDELIVERY_LOOKBACK_H}"`);
  }
  return interval === 0 ? undefined : { intervalMs: interval * 1000, lookbackMs: lookback * 3600_000 };
}
