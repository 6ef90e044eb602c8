// The worker's heartbeat as `keywarden healthcheck` reads it: fresh and Redis answered is
// healthy; stale, Redis unreachable, or an unreadable file is not; no file means "not a worker".
// Times are given, not waited for.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HEARTBEAT_MAX_AGE_MS, heartbeatFile, heartbeatVerdict } from '../../src/queue/heartbeat.js';

const dir = mkdtempSync(join(tmpdir(), 'kw-heartbeat-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function beat(name: string, body: string): string {
  const file = join(dir, name);
  writeFileSync(file, body);
  return file;
}

describe('heartbeatVerdict', () => {
  const now = 1_800_000_000_000;

  it('is healthy for a fresh beat that reached Redis', () => {
    const file = beat('fresh.json', JSON.stringify({ at: now - 12_000, pid: 1, redis: 'ok' }));
    expect(heartbeatVerdict(file, now)).toEqual({ healthy: true, reason: 'worker heartbeat 12 s old, Redis reachable' });
  });

  it('is unhealthy for a beat older than the limit: the worker hangs or is gone', () => {
    const file = beat('stale.json', JSON.stringify({ at: now - HEARTBEAT_MAX_AGE_MS - 1, pid: 1, redis: 'ok' }));
    expect(heartbeatVerdict(file, now)).toMatchObject({ healthy: false, reason: expect.stringMatching(/stuck or gone/) });
  });

  it('is unhealthy when the worker could not reach Redis', () => {
    const file = beat('noredis.json', JSON.stringify({ at: now - 1_000, pid: 1, redis: 'unreachable' }));
    expect(heartbeatVerdict(file, now)).toEqual({ healthy: false, reason: 'worker cannot reach Redis' });
  });

  it('is unhealthy for a file that is not a heartbeat, and undefined when there is no file', () => {
    expect(heartbeatVerdict(beat('junk.json', 'not json'), now)?.healthy).toBe(false);
    expect(heartbeatVerdict(beat('notime.json', '{"redis":"ok"}'), now)?.healthy).toBe(false);
    expect(heartbeatVerdict(join(dir, 'missing.json'), now)).toBeUndefined();
  });

  it('lives where KEYWARDEN_HEARTBEAT_FILE says', () => {
    expect(heartbeatFile({ KEYWARDEN_HEARTBEAT_FILE: '/run/kw/hb.json' })).toBe('/run/kw/hb.json');
    expect(heartbeatFile({})).toBe(join(tmpdir(), 'keywarden-worker-heartbeat.json'));
  });
});
