// The rotate worker as `keywarden worker` runs it: settings from the environment, GitHub
// through the App's installation tokens (Probot), the key service through its leak-reports
// credential. Without KEYSERVICE_* the worker refuses to start, saying what to set.
import type { Logger } from 'pino';
import { appEnv } from '../app/env.js';
import { KeyServiceRotator } from '../rotation/keyServiceRotator.js';
import { RotatorRegistry } from '../rotation/rotator.js';
import type { GitHubClient } from '../rotation/githubRetry.js';
import { startRotateWorker, type RotateWorkerHandle } from './rotateWorker.js';

export interface RotateWorkerEnvOptions {
  env?: NodeJS.ProcessEnv;
  log?: Logger;
  prefix?: string;
  handleSignals?: boolean;
}

export async function startRotateWorkerFromEnv(opts: RotateWorkerEnvOptions = {}): Promise<RotateWorkerHandle> {
  const env = opts.env ?? process.env;
  const app = appEnv(env, { webhookSecret: false });
  const registry = new RotatorRegistry().register(KeyServiceRotator.fromEnv(env));
  const { Probot, ProbotOctokit } = await import('probot');
  const probot = new Probot({ appId: app.appId, privateKey: app.privateKey, baseUrl: app.baseUrl, Octokit: ProbotOctokit, ...(opts.log ? { log: opts.log as never } : {}) });
  const labels = (env.KEYWARDEN_ISSUE_LABELS ?? 'security').split(',').map((l) => l.trim()).filter(Boolean);
  const concurrency = Number(env.ROTATE_CONCURRENCY ?? 4);
  return startRotateWorker({
    redis: app.redisUrl,
    prefix: opts.prefix ?? env.BULLMQ_PREFIX,
    concurrency: Number.isInteger(concurrency) && concurrency > 0 ? concurrency : 4,
    registry,
    github: async (installationId) => (await probot.auth(installationId)) as unknown as GitHubClient,
    issueSettings: async () => ({ labels }),
    log: opts.log,
    handleSignals: opts.handleSignals,
  });
}
