// The Probot app: wires webhook events to handlers and nothing else. Handlers validate the
// payload and return scan jobs; this file enqueues them and answers at once (GitHub gives a
// webhook 10 seconds). No GitHub API call happens here: all of that is the scan worker's.
import type { Probot } from 'probot';
import { InvalidPayload } from './handlers/payload.js';
import { scanJobsForPush, type HandlerOutcome } from './handlers/push.js';
import { scanJobsForPullRequest } from './handlers/pullRequest.js';
import { scanJobsForInstallation } from './handlers/installation.js';
import { repositoriesRemoved, suspended, uninstalled, unsuspended, type InstallationChange } from './handlers/installationChange.js';
import { rerunOfCheckRun, scanJobsForCheckRunRerequest, scanJobsForCheckSuiteRerequest } from './handlers/rerequested.js';
import type { ScanJobData } from './scanJobData.js';
import { GITHUB_COM_WEB_URL } from '../github/endpoints.js';

export interface AppDeps {
  /** Puts a scan job on the `scan` queue; returns its (deterministic) job id. */
  enqueue: (data: ScanJobData) => Promise<string>;
  /** Web root for clone URLs built from repository names: https://github.com or GHE_PROTOCOL://GHE_HOST. */
  webUrl?: string;
  /** Counts what happened to each delivery (metrics). */
  onDelivery?: (event: string, action: 'queued' | 'ignored' | 'invalid' | 'unavailable' | 'applied') => void;
  now?: () => number;
  /** The data of a scan job still on the queue, by its id (a check run's external_id). */
  findScan?: (jobId: string) => Promise<ScanJobData | undefined>;
  /** Uninstalled, suspended, unsuspended, repositories removed: drops, sets aside or requeues their scans (installationJobs.ts). */
  onInstallationChange?: (change: InstallationChange) => Promise<object>;
}

type EventLog = { info: (o: object, m: string) => void; warn: (o: object, m: string) => void };

export function keywardenApp(deps: AppDeps) {
  const now = deps.now ?? Date.now;
  const webUrl = deps.webUrl ?? GITHUB_COM_WEB_URL;
  /** Logs and counts a delivery Redis could not take; the error answers it 503. */
  const unavailable = (event: string, context: { id: string; log: EventLog }, err: unknown, what: string): Error => {
    context.log.warn({ event, deliveryId: context.id, err: { name: (err as Error).name, message: (err as Error).message } }, `${what} (Redis unreachable?); answering 503`);
    deps.onDelivery?.(event, 'unavailable');
    return Object.assign(new Error('the scan queue is unavailable; GitHub can redeliver this webhook'), { status: 503, code: 'QUEUE_UNAVAILABLE' });
  };
  return (app: Probot): void => {
    const handle = (event: string, build: (payload: unknown, meta: { deliveryId?: string; receivedAt: number }) => HandlerOutcome | Promise<HandlerOutcome>) =>
      async (context: { id: string; payload: unknown; log: EventLog }) => {
        const outcome = await build(context.payload, { deliveryId: context.id, receivedAt: now() });
        if (outcome instanceof InvalidPayload) {
          // Logged, no work, and no 500: a malformed payload will not get better on redelivery.
          context.log.warn({ event, deliveryId: context.id, reason: outcome.reason }, 'webhook payload cannot be scanned; ignored');
          deps.onDelivery?.(event, 'invalid');
          return;
        }
        if (outcome.jobs.length === 0) {
          context.log.info({ event, deliveryId: context.id, reason: outcome.ignored }, 'nothing to scan');
          deps.onDelivery?.(event, 'ignored');
          return;
        }
        // A failure to enqueue (Redis down: the producer connection fails fast) is answered
        // 503, so GitHub records the delivery as failed and it can be redelivered; jobIds make
        // the redelivery idempotent. (@octokit/webhooks answers with the error's `status`.)
        let ids: string[];
        try {
          ids = await Promise.all(outcome.jobs.map((j) => deps.enqueue(j)));
        } catch (err) {
          throw unavailable(event, context, err, 'cannot queue the scan');
        }
        context.log.info({ event, deliveryId: context.id, jobs: ids }, 'scan queued');
        deps.onDelivery?.(event, 'queued');
      };

    app.on('push', handle('push', scanJobsForPush));
    app.on(['pull_request.opened', 'pull_request.synchronize', 'pull_request.reopened'], handle('pull_request', scanJobsForPullRequest));
    app.on('check_run.rerequested', handle('check_run', async (p, m) => {
      const outcome = scanJobsForCheckRunRerequest(p, m);
      if (outcome instanceof InvalidPayload || outcome.jobs.length === 0) return outcome;
      // The run's own scan again (same range), when its job is still on the queue.
      const externalId = rerunOfCheckRun(p);
      const original = externalId ? await deps.findScan?.(externalId) : undefined;
      if (!original || original.owner !== outcome.jobs[0].owner || original.repo !== outcome.jobs[0].repo) return outcome;
      return { jobs: [{ ...original, receivedAt: m.receivedAt, deliveryId: m.deliveryId, rerun: outcome.jobs[0].rerun }] };
    }));
    app.on('check_suite.rerequested', handle('check_suite', scanJobsForCheckSuiteRerequest));
    app.on(['installation.created', 'installation_repositories.added'], handle('installation', (p, m) => scanJobsForInstallation(p, m, { webUrl })));

    // Like a failed enqueue, a change that cannot reach Redis is answered 503: GitHub can
    // redeliver it, and applying one twice does no harm.
    const apply = async (event: string, context: { id: string; log: EventLog }, change: InstallationChange) => {
      let outcome: object | undefined;
      try {
        outcome = await deps.onInstallationChange?.(change);
      } catch (err) {
        throw unavailable(event, context, err, 'cannot apply the installation change');
      }
      context.log.info({ event, deliveryId: context.id, change: change.kind, installationId: change.installationId, ...outcome }, 'installation change applied to the scan queue');
      deps.onDelivery?.(event, 'applied');
    };
    app.on('installation.deleted', (context) => apply('installation', context, uninstalled(context.payload)));
    app.on('installation.suspend', (context) => apply('installation', context, suspended(context.payload)));
    app.on('installation.unsuspend', (context) => apply('installation', context, unsuspended(context.payload)));
    app.on('installation_repositories.removed', (context) => apply('installation_repositories', context, repositoriesRemoved(context.payload)));
  };
}
