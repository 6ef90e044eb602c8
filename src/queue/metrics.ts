// Prometheus metrics for the app, the scan worker and the rotate worker, in one registry.
// Each process exposes its own /metrics (serve on its port or OPS_PORT, workers on OPS_PORT);
// queue depths are read from Redis at scrape time so any process reports the same truth.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Queue } from 'bullmq';

export const registry = new Registry();
let defaultsCollected = false;

export const scansTotal = new Counter({
  name: 'keywarden_scans_total',
  help: 'Scan jobs finished, by event and result (clean, findings, failed).',
  labelNames: ['event', 'result'] as const,
  registers: [registry],
});
export const bytesScannedTotal = new Counter({
  name: 'keywarden_bytes_scanned_total',
  help: 'Bytes of text scanned by the scan worker.',
  registers: [registry],
});
export const findingsTotal = new Counter({
  name: 'keywarden_findings_total',
  help: 'Findings reported, by rule and severity.',
  labelNames: ['rule', 'severity'] as const,
  registers: [registry],
});
export const rotationsTotal = new Counter({
  name: 'keywarden_rotations_total',
  help: 'Rotation jobs finished, by outcome (rolled, grace, revoked, public, unknown, failed, ...).',
  labelNames: ['outcome'] as const,
  registers: [registry],
});
export const notifyFailedTotal = new Counter({
  name: 'keywarden_notify_failed_total',
  help: 'Notify jobs that failed for good: an owner who was never told of a rolled or revoked key (by error code).',
  labelNames: ['code'] as const,
  registers: [registry],
});
export const notifyFallbackTotal = new Counter({
  name: 'keywarden_notify_fallback_total',
  help: 'Owners told another way because the issue could not be opened (commit-comment, fallback-repo).',
  labelNames: ['via'] as const,
  registers: [registry],
});
export const webhookToRolledSeconds = new Histogram({
  name: 'keywarden_webhook_to_rolled_seconds',
  help: 'Time from webhook receipt to the leaked key rolled.',
  buckets: [0.25, 0.5, 1, 2, 3, 5, 10, 30, 60, 300],
  registers: [registry],
});
export const webhooksTotal = new Counter({
  name: 'keywarden_webhooks_total',
  help: 'Webhooks received, by event and what was done (queued, ignored, invalid, unavailable: Redis down, answered 503; applied: an installation change).',
  labelNames: ['event', 'action'] as const,
  registers: [registry],
});
export const webhookRedeliveriesTotal = new Counter({
  name: 'keywarden_webhook_redeliveries_total',
  help: 'Failed webhook deliveries the redelivery sweeper asked GitHub to send again, by result (requested, refused: GitHub answered an error).',
  labelNames: ['result'] as const,
  registers: [registry],
});
export const redeliverySweepsTotal = new Counter({
  name: 'keywarden_redelivery_sweeps_total',
  help: 'Redelivery sweeper runs, by outcome (swept, redis-down, locked: another worker sweeps, error).',
  labelNames: ['outcome'] as const,
  registers: [registry],
});
const watchedQueues = new Set<Queue>();
const DEPTH_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized', 'waiting-children'] as const;

export const queueDepth = new Gauge({
  name: 'keywarden_queue_depth',
  help: 'Jobs in each queue, by state (read from Redis at scrape time).',
  labelNames: ['queue', 'state'] as const,
  registers: [registry],
  // Runs on every scrape. A Redis outage must not break the scrape: the depth stays stale.
  async collect() {
    for (const q of watchedQueues) {
      const counts = await q.getJobCounts(...DEPTH_STATES).catch(() => null);
      if (!counts) continue;
      for (const state of DEPTH_STATES) this.set({ queue: q.name, state }, counts[state] ?? 0);
    }
  },
});

/** Reports these queues' depths on every scrape. */
export function watchQueueDepths(...queues: Queue[]): void {
  for (const q of queues) watchedQueues.add(q);
}
export function unwatchQueueDepths(...queues: Queue[]): void {
  for (const q of queues) watchedQueues.delete(q);
}

/** Adds Node process metrics (once per process). */
export function collectProcessMetrics(): void {
  if (defaultsCollected) return;
  defaultsCollected = true;
  collectDefaultMetrics({ register: registry, prefix: 'keywarden_' });
}

/** The rotate worker's metrics hook (RotationMetrics in rotation/rotateAndNotify.ts). */
export const rotationMetrics = {
  rotation(outcome: string): void {
    rotationsTotal.inc({ outcome });
  },
  webhookToRolled(seconds: number): void {
    webhookToRolledSeconds.observe(seconds);
  },
  notifyFailed(code: string): void {
    notifyFailedTotal.inc({ code });
  },
  notifyFallback(via: string): void {
    notifyFallbackTotal.inc({ via });
  },
};
