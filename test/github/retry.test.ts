import { describe, expect, it } from 'vitest';
import { dnsFailureOf, GitHubRateLimitedError, GitHubUnreachableError, isRateLimited, rateLimitWait, withGitHubRetry, type GitHubRetryOptions } from '../../src/github/retry.js';
import { memoryRateLimitGate } from '../../src/github/rateLimitGate.js';

/** A clock that only moves when the code under test sleeps: no wall-clock timing. */
function fakeClock(start = Date.UTC(2026, 11, 5, 4, 0, 0)) {
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    sleeps,
    advance: (ms: number) => (t += ms),
  };
}

function httpError(status: number, headers: Record<string, string> = {}, message = 'error'): Error & { status: number; response: { headers: Record<string, string>; data: { message: string } } } {
  return Object.assign(new Error(message), { status, response: { headers, data: { message } } });
}

const secondary = (headers: Record<string, string> = {}) => httpError(403, headers, 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.');

/** A call that answers from a script, one entry per try, and counts the tries. */
function scripted(answers: Array<Error | 'ok'>) {
  let calls = 0;
  const call = async () => {
    const a = answers[Math.min(calls++, answers.length - 1)];
    if (a === 'ok') return 'done';
    throw a;
  };
  return { call, calls: () => calls };
}

describe('GitHub rate-limit rules', () => {
  const now = Date.UTC(2026, 11, 5, 4, 0, 0);

  it('recognises GitHub rate limits and tells them from refusals', () => {
    expect(isRateLimited({ status: 403, response: { headers: { 'retry-after': '5' } } })).toBe(true);
    expect(isRateLimited({ status: 429, response: { headers: {}, data: { message: 'You have exceeded a secondary rate limit' } } })).toBe(true);
    expect(isRateLimited({ status: 403, response: { headers: {}, data: { message: 'Resource not accessible by integration' } } })).toBe(false);
    expect(isRateLimited({ status: 500 })).toBe(false);
  });

  it('retry-after is honoured in full, never capped', () => {
    expect(rateLimitWait(secondary({ 'retry-after': '120' }), now)).toEqual({ kind: 'secondary', retryAt: now + 120_000, rule: 'retry-after' });
    expect(rateLimitWait(secondary({ 'retry-after': '3600' }), now)?.retryAt).toBe(now + 3_600_000);
  });

  it('a primary limit waits until x-ratelimit-reset (epoch seconds), past it', () => {
    const reset = Math.floor(now / 1000) + 1_800;
    const w = rateLimitWait(httpError(403, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) }, 'API rate limit exceeded for installation ID 1.'), now);
    expect(w?.kind).toBe('primary');
    expect(w?.rule).toBe('reset');
    expect(w!.retryAt).toBeGreaterThanOrEqual(reset * 1000);
    expect(w!.retryAt).toBeLessThanOrEqual(reset * 1000 + 2_000);
    // 429 is GitHub's other status for the same thing.
    expect(rateLimitWait(httpError(429, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) }), now)?.retryAt).toBe(w!.retryAt);
  });

  it('a secondary limit that names no time waits at least a minute, then exponentially longer', () => {
    const waits = [0, 1, 2, 3].map((strikes) => rateLimitWait(secondary(), now, strikes)!.retryAt - now);
    expect(waits[0]).toBeGreaterThanOrEqual(60_000);
    expect(waits).toEqual([60_000, 120_000, 240_000, 480_000]);
    expect(rateLimitWait(secondary(), now, 40)!.retryAt - now).toBe(30 * 60_000);
  });

  it('a 403 that is not a limit is no wait at all', () => {
    expect(rateLimitWait(httpError(403, {}, 'Resource not accessible by integration'), now)).toBeUndefined();
    expect(rateLimitWait(httpError(404), now)).toBeUndefined();
  });
});

describe('withGitHubRetry: the one retry layer', () => {
  const opts = (c: ReturnType<typeof fakeClock>, o: GitHubRetryOptions = {}): GitHubRetryOptions => ({ now: c.now, sleep: c.sleep, baseDelayMs: 100, maxDelayMs: 1_000, budgetMs: 5_000, ...o });

  it('a retry-after of 120 s is not slept: the call throws retryAt = now + 120 s after ONE call, and the gate holds the installation', async () => {
    const c = fakeClock();
    const gate = memoryRateLimitGate(c.now);
    const s = scripted([secondary({ 'retry-after': '120' }), 'ok']);
    const start = c.now();
    const err = await withGitHubRetry(s.call, opts(c), { installationId: 7, gate }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitHubRateLimitedError);
    expect((err as GitHubRateLimitedError).retryAt).toBe(start + 120_000);
    expect(s.calls()).toBe(1);
    expect(c.sleeps).toEqual([]);
    expect(await gate.limitedUntil(7)).toBe(start + 120_000);
  });

  it('while the installation is limited, no call is made at all', async () => {
    const c = fakeClock();
    const gate = memoryRateLimitGate(c.now);
    await gate.limit(7, c.now() + 600_000);
    const s = scripted(['ok']);
    const err = await withGitHubRetry(s.call, opts(c), { installationId: 7, gate }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'GITHUB_RATE_LIMITED', retryAt: c.now() + 600_000 });
    expect(s.calls()).toBe(0);
    // Another installation is not held.
    expect(await withGitHubRetry(s.call, opts(c), { installationId: 8, gate })).toBe('done');
  });

  it('a short retry-after (within the budget) is slept in full, then the call is made again', async () => {
    const c = fakeClock();
    const s = scripted([secondary({ 'retry-after': '2' }), 'ok']);
    expect(await withGitHubRetry(s.call, opts(c))).toBe('done');
    expect(s.calls()).toBe(2);
    expect(c.sleeps).toEqual([2_000]);
  });

  it('a primary limit throws retryAt at the reset, after one call', async () => {
    const c = fakeClock();
    const reset = Math.floor(c.now() / 1000) + 900;
    const s = scripted([httpError(429, { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) }), 'ok']);
    const err = (await withGitHubRetry(s.call, opts(c), { installationId: 1 }).catch((e: unknown) => e)) as GitHubRateLimitedError;
    expect(err.kind).toBe('primary');
    expect(err.retryAt).toBeGreaterThanOrEqual(reset * 1000);
    expect(s.calls()).toBe(1);
  });

  it('a secondary limit without retry-after waits >= 60 s, doubling while it goes on (per installation, through the gate)', async () => {
    const c = fakeClock();
    const gate = memoryRateLimitGate(c.now);
    const retryAts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const before = c.now();
      const err = (await withGitHubRetry(scripted([secondary()]).call, opts(c), { installationId: 3, gate }).catch((e: unknown) => e)) as GitHubRateLimitedError;
      retryAts.push(err.retryAt - before);
      c.advance(err.retryAt - before);
    }
    expect(retryAts).toEqual([60_000, 120_000, 240_000]);
  });

  it('a 5xx is retried a few times with short backoff, within the budget, then thrown', async () => {
    const c = fakeClock();
    const s = scripted([httpError(502), httpError(502), httpError(502), httpError(502)]);
    await expect(withGitHubRetry(s.call, opts(c, { retries: 2 }))).rejects.toMatchObject({ status: 502 });
    expect(s.calls()).toBe(3);
    expect(c.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(5_000);
  });

  it('a write sent once (ONE_TRY) is never re-sent after a 5xx, but is after a short rate limit (GitHub refused it)', async () => {
    const c = fakeClock();
    const five = scripted([httpError(502), 'ok']);
    await expect(withGitHubRetry(five.call, opts(c), { repeatable: false })).rejects.toMatchObject({ status: 502 });
    expect(five.calls()).toBe(1);
    const limited = scripted([secondary({ 'retry-after': '1' }), 'ok']);
    expect(await withGitHubRetry(limited.call, opts(c), { repeatable: false })).toBe('done');
    expect(limited.calls()).toBe(2);
  });

  it('a DNS failure is not retried in-process: logged once with a clear message, then thrown', async () => {
    const c = fakeClock();
    const logged: string[] = [];
    const log = { warn: () => undefined, error: (_o: object, msg: string) => void logged.push(msg) };
    // How Octokit reports it: a 500 without a response, wrapping fetch's error and its cause.
    const cause = Object.assign(new Error('getaddrinfo ENOTFOUND api.name.invalid'), { code: 'ENOTFOUND', hostname: 'api.name.invalid' });
    const octokitError = Object.assign(new Error(cause.message), { status: 500, cause: Object.assign(new TypeError('fetch failed'), { cause }) });
    const s = scripted([octokitError, 'ok']);
    const err = await withGitHubRetry(s.call, opts(c), { route: 'GET /repos/{owner}/{repo}', log }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GitHubUnreachableError);
    expect((err as GitHubUnreachableError).code).toBe('GITHUB_DNS_FAILURE');
    expect(s.calls()).toBe(1);
    expect(c.sleeps).toEqual([]);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatch(/cannot resolve api\.name\.invalid \(ENOTFOUND\)/);
    expect(dnsFailureOf(Object.assign(new Error('x'), { code: 'EAI_AGAIN', hostname: 'h' }))).toEqual({ code: 'EAI_AGAIN', host: 'h' });
    expect(dnsFailureOf(httpError(502))).toBeUndefined();
  });

  it('refusals (4xx that are not limits) are thrown at once', async () => {
    const c = fakeClock();
    const s = scripted([httpError(404), 'ok']);
    await expect(withGitHubRetry(s.call, opts(c))).rejects.toMatchObject({ status: 404 });
    expect(s.calls()).toBe(1);
  });
});
