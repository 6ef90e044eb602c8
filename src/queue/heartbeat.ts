// The worker's heartbeat, for `keywarden healthcheck` (the Docker image's HEALTHCHECK). The
// worker has no port to probe, so it writes a small file every few seconds, after pinging
// Redis: a fresh file that says Redis answered means the process is alive (its event loop
// runs) and can take jobs. A stale file (the process hangs) or a Redis that does not answer
// means unhealthy. The file is removed when the worker closes.
import { rename, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RedisOptions } from 'ioredis';
import { openProducerRedis, whileRedisUp } from './redis.js';

export const HEARTBEAT_INTERVAL_MS = 10_000;
/** Three missed beats: a worker busy with GC or a slow disk is not called dead for one. */
export const HEARTBEAT_MAX_AGE_MS = 3 * HEARTBEAT_INTERVAL_MS + 5_000;

/** KEYWARDEN_HEARTBEAT_FILE, else a file in the temporary directory. */
export function heartbeatFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.KEYWARDEN_HEARTBEAT_FILE?.trim() || join(tmpdir(), 'keywarden-worker-heartbeat.json');
}

export interface Heartbeat {
  /** When it was written (ms since the epoch). */
  at: number;
  pid: number;
  redis: 'ok' | 'unreachable';
}

export interface HeartbeatHandle {
  /** Stops beating and removes the file. */
  stop(): Promise<void>;
}

export function startHeartbeat(o: { file: string; redis: string | RedisOptions; intervalMs?: number }): HeartbeatHandle {
  const conn = openProducerRedis(o.redis);
  conn.on('error', () => undefined); // reported through the heartbeat itself
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  const beat = async (): Promise<void> => {
    const redis = await whileRedisUp(conn, () => conn.ping()).then(() => 'ok' as const, () => 'unreachable' as const);
    if (stopped) return;
    const tmp = `${o.file}.${process.pid}.tmp`;
    const hb: Heartbeat = { at: Date.now(), pid: process.pid, redis };
    // Write then rename: a reader never sees half a file.
    await writeFile(tmp, JSON.stringify(hb));
    await rename(tmp, o.file);
  };
  const loop = (): void => {
    writing = beat().catch(() => undefined).finally(() => {
      if (!stopped) timer = setTimeout(loop, o.intervalMs ?? HEARTBEAT_INTERVAL_MS);
    });
  };
  // The first beat waits for the connection, so a worker that just started is not reported unreachable.
  conn.once('ready', loop);
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await writing;
      await rm(o.file, { force: true });
      conn.disconnect();
    },
  };
}

export interface HealthVerdict {
  healthy: boolean;
  reason: string;
}

/** Reads the heartbeat; undefined when there is none (this is not a worker, or it stopped). */
export function heartbeatVerdict(file: string, now = Date.now(), maxAgeMs = HEARTBEAT_MAX_AGE_MS): HealthVerdict | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  let hb: Partial<Heartbeat>;
  try {
    hb = JSON.parse(text) as Partial<Heartbeat>;
  } catch {
    return { healthy: false, reason: `heartbeat file ${file} is not JSON` };
  }
  if (typeof hb.at !== 'number') return { healthy: false, reason: `heartbeat file ${file} has no time` };
  const age = now - hb.at;
  if (age > maxAgeMs) return { healthy: false, reason: `worker heartbeat is ${Math.round(age / 1000)} s old (limit ${maxAgeMs / 1000} s): the worker is stuck or gone` };
  if (hb.redis !== 'ok') return { healthy: false, reason: 'worker cannot reach Redis' };
  return { healthy: true, reason: `worker heartbeat ${Math.round(age / 1000)} s old, Redis reachable` };
}
