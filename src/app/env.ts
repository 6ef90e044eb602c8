// The App's settings from the environment, shared by `keywarden serve` and `keywarden worker`.
// Missing settings are reported all at once, with a stable code and what to set.
import { readFileSync } from 'node:fs';
import { AppConfigError, githubEndpoints, type GitHubEndpoints } from '../github/endpoints.js';

export interface AppEnv extends GitHubEndpoints {
  appId: string;
  privateKey: string;
  webhookSecret: string;
  redisUrl: string;
  host: string;
  port: number;
}

function privateKeyFrom(env: NodeJS.ProcessEnv): string | undefined {
  if (env.PRIVATE_KEY) {
    // Env files often carry the PEM on one line with literal \n.
    return env.PRIVATE_KEY.includes('\\n') ? env.PRIVATE_KEY.replace(/\\n/g, '\n') : env.PRIVATE_KEY;
  }
  if (env.PRIVATE_KEY_PATH) {
    try {
      return readFileSync(env.PRIVATE_KEY_PATH, 'utf8');
    } catch (err) {
      throw new AppConfigError(`cannot read PRIVATE_KEY_PATH ${env.PRIVATE_KEY_PATH}: ${(err as Error).message}`);
    }
  }
  return undefined;
}

export function appEnv(env: NodeJS.ProcessEnv, needs: { webhookSecret: boolean }): AppEnv {
  const missing: string[] = [];
  const privateKey = privateKeyFrom(env);
  if (!env.APP_ID) missing.push('APP_ID');
  if (!privateKey) missing.push('PRIVATE_KEY or PRIVATE_KEY_PATH');
  if (needs.webhookSecret && !env.WEBHOOK_SECRET) missing.push('WEBHOOK_SECRET');
  if (missing.length > 0) {
    throw new AppConfigError(`missing ${missing.join(', ')}: set them to the GitHub App's settings (see README, "GitHub App")`);
  }
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new AppConfigError(`PORT must be a port number, not "${env.PORT}"`);
  return {
    appId: env.APP_ID!,
    privateKey: privateKey!,
    webhookSecret: env.WEBHOOK_SECRET ?? '',
    redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    host: env.HOST ?? '127.0.0.1',
    port,
    ...githubEndpoints(env),
  };
}
