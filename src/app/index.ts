// The Probot app: wires webhook events to handlers and nothing else. Handlers validate the
// payload and return scan jobs; this file enqueues them and answers at once (GitHub gives a
// webhook 10 seconds). No GitHub API call happens here: all of that is the scan worker's.
import type { Probot } from 'probot';
import { InvalidPayload } from './handlers/payload.js';
import { scanJobsForPush, type HandlerOutcome } from './handlers/push.js';
import { scanJobsForPullRequest } from './handlers/pullRequest.js';
import { scanJobsForInstallation } from './handlers/installation.js';
import type { ScanJobData } from './scanJobData.js';
import { GITHUB_COM_WEB_URL } from '../github/endpoints.js';

export interface AppDeps {
  /** Puts a scan job on the `scan` queue; returns its (deterministic) job id. */
  enqueue: (data: ScanJobData) => Promise<string>;
  /** Web root for clone URLs built from repository names: https://github.com or https://GHE_HOST. */
  webUrl?: string;
  /** Counts what happened to each delivery (metrics). */
  onDelivery?: (event: string, action: 'queued' | 'ignored' | 'invalid') => void;
  now?: () => number;
}

export function keywardenApp(deps: AppDeps) {
  const now = deps.now ?? Date.now;
  const webUrl = deps.webUrl ?? GITHUB_COM_WEB_URL;
  return (app: Probot): void => {
    const handle = (event: string, build: (payload: unknown, meta: { deliveryId?: string; receivedAt: number }) => HandlerOutcome) =>
      async (context: { id: string; payload: unknown; log: { info: (o: object, m: string) => void; warn: (o: object, m: string) => void } }) => {
        const outcome = build(context.payload, { deliveryId: context.id, receivedAt: now() });
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
        // A failure to enqueue (Redis down) throws: GitHub then records the delivery as failed
        // and it can be redelivered; jobIds make the redelivery idempotent.
        const ids = await Promise.all(outcome.jobs.map((j) => deps.enqueue(j)));
        context.log.info({ event, deliveryId: context.id, jobs: ids }, 'scan queued');
        deps.onDelivery?.(event, 'queued');
      };

    app.on('push', handle('push', scanJobsForPush));
    app.on(['pull_request.opened', 'pull_request.synchronize', 'pull_request.reopened'], handle('pull_request', scanJobsForPullRequest));
    app.on(['installation.created', 'installation_repositories.added'], handle('installation', (p, m) => scanJobsForInstallation(p, m, { webUrl })));
  };
}
