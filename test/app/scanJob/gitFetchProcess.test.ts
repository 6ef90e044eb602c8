// A fetch's git command is judged by two explicit limits: silence (stuck) and an overall
// deadline. A long command that keeps printing progress is not stuck. git runs a shell alias
// here so the test controls how long it talks and how long it stays quiet.
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { runGitStep } from '../../../src/app/scanJob/gitFetchProcess.js';

const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir() };
/** git running a shell snippet as an alias. */
const alias = (script: string): string[] => ['-c', `alias.step=!${script}`, 'step'];
const later = (ms: number): number => Date.now() + ms;

describe('runGitStep', () => {
  it('lets a command that keeps printing progress run past the inactivity limit', async () => {
    // ~2 s in all, a line every 0.1 s; the inactivity limit is 1 s.
    const out = await runGitStep(alias('for i in $(seq 20); do echo "Receiving objects: $i" >&2; sleep 0.1; done; echo done'), tmpdir(), env, { inactivityMs: 1000, deadline: later(60_000) });
    expect(out.trim()).toBe('done');
  });

  it('kills a command that says nothing for the inactivity limit, as timed out', async () => {
    await expect(runGitStep(alias('sleep 30'), tmpdir(), env, { inactivityMs: 300, deadline: later(60_000) })).rejects.toMatchObject({ timedOut: true, message: expect.stringMatching(/printed nothing for 300 ms/) });
  });

  it('kills a busy command at the deadline, as timed out', async () => {
    await expect(runGitStep(alias('while true; do echo progress >&2; sleep 0.05; done'), tmpdir(), env, { inactivityMs: 10_000, deadline: later(500) })).rejects.toMatchObject({ timedOut: true, message: expect.stringMatching(/deadline/) });
  });

  it("reports git's own error, without its progress lines", async () => {
    const err = await runGitStep(['rev-parse', '--verify', 'no-such-rev'], tmpdir(), env, { inactivityMs: 10_000, deadline: later(60_000) }).catch((e: unknown) => e);
    expect(err).toMatchObject({ timedOut: false });
    expect(String((err as Error).message)).toMatch(/not a git repository|Needed a single revision|no-such-rev/);
  });
});
