// Which failed webhook deliveries the sweeper asks GitHub to redeliver, from the delivery log
// as GitHub lists it, and how it reads its settings and GitHub's Link header.
import { describe, expect, it } from 'vitest';
import { planRedeliveries, redeliverySettingsFromEnv } from '../../src/app/redeliverySweeper.js';
import { nextCursor, type HookDelivery } from '../../src/github/hookDeliveries.js';

let id = 100;
const at = (guid: string, statusCode: number, minutesAgo: number, redelivery = false): HookDelivery =>
  ({ id: id++, guid, deliveredAt: Date.UTC(2026, 0, 1, 12) - minutesAgo * 60_000, redelivery, statusCode, event: 'push', action: null });

describe('planRedeliveries', () => {
  it('redelivers each event with no 2xx attempt once, its newest attempt, oldest event first', () => {
    const plan = planRedeliveries([
      at('b', 503, 5), at('b', 503, 10, true), at('b', 503, 20),
      at('a', 502, 30),
      at('ok', 200, 1),
    ]);
    expect(plan.redeliver.map((d) => [d.guid, d.deliveredAt])).toEqual([['a', at('a', 0, 30).deliveredAt], ['b', at('b', 0, 5).deliveredAt]]);
    expect(plan.skipped).toEqual([{ guid: 'ok', reason: 'succeeded' }]);
  });

  it('does not redeliver an event that a redelivery already got through, whatever came after', () => {
    const plan = planRedeliveries([at('x', 503, 1, true), at('x', 202, 3, true), at('x', 503, 9)]);
    expect(plan.redeliver).toEqual([]);
    expect(plan.skipped).toEqual([{ guid: 'x', reason: 'succeeded' }]);
  });

  it('retries no answer (0), 5xx, 408 and 429, not an answer that will not change (400 bad signature, 404)', () => {
    const plan = planRedeliveries([at('t', 0, 1), at('r', 429, 1), at('q', 408, 1), at('sig', 400, 1), at('nf', 404, 1)]);
    expect(plan.redeliver.map((d) => d.guid).sort()).toEqual(['q', 'r', 't']);
    expect(plan.skipped.map((s) => [s.guid, s.reason]).sort()).toEqual([['nf', 'refused'], ['sig', 'refused']]);
  });

  it('gives up on an event after maxAttempts attempts', () => {
    const five = [1, 2, 3, 4, 5].map((m) => at('g', 503, m, m < 5));
    expect(planRedeliveries(five, 5)).toEqual({ redeliver: [], skipped: [{ guid: 'g', reason: 'gave-up' }] });
    expect(planRedeliveries(five, 6).redeliver.map((d) => d.guid)).toEqual(['g']);
  });
});

describe('nextCursor', () => {
  it('reads the cursor of the rel="next" URL, and nothing on the last page', () => {
    const link = '<https://api.github.com/app/hook/deliveries?per_page=100&cursor=v1_81723>; rel="next", <https://api.github.com/app/hook/deliveries?per_page=100>; rel="first"';
    expect(nextCursor(link)).toBe('v1_81723');
    expect(nextCursor('<https://api.github.com/app/hook/deliveries?per_page=100>; rel="first"')).toBeUndefined();
    expect(nextCursor(undefined)).toBeUndefined();
  });
});

describe('redeliverySettingsFromEnv', () => {
  it('defaults to every 5 minutes over the last 6 hours; 0 turns the sweeper off', () => {
    expect(redeliverySettingsFromEnv({})).toEqual({ intervalMs: 300_000, lookbackMs: 6 * 3600_000 });
    expect(redeliverySettingsFromEnv({ REDELIVERY_INTERVAL_S: '60', REDELIVERY_LOOKBACK_H: '24' })).toEqual({ intervalMs: 60_000, lookbackMs: 24 * 3600_000 });
    expect(redeliverySettingsFromEnv({ REDELIVERY_INTERVAL_S: '0' })).toBeUndefined();
  });

  it('refuses a lookback past what GitHub keeps (3 days), and values that are not numbers, with a stable code', () => {
    expect(() => redeliverySettingsFromEnv({ REDELIVERY_LOOKBACK_H: '96' })).toThrow(expect.objectContaining({ code: 'APP_CONFIG_INVALID', message: expect.stringMatching(/3 days/) }));
    expect(() => redeliverySettingsFromEnv({ REDELIVERY_INTERVAL_S: 'often' })).toThrow(expect.objectContaining({ code: 'APP_CONFIG_INVALID' }));
  });
});
