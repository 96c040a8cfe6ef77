import { describe, expect, it } from 'vitest';
import { backoffMs, leaseFor, MAX_ATTEMPTS } from '../../../server/budgets/delivery';
import { bodyFor } from '../../../server/budgets/webhook';

describe('budget alert delivery', () => {
  it('sends Slack incoming webhooks a text body and every other URL the generic JSON', () => {
    const generic = { alert_id: 'x' };
    expect(bodyFor('https://hooks.slack.com/services/T0/B0/abc', generic, 'crossed')).toEqual({
      text: 'crossed',
    });
    expect(bodyFor('https://example.com/hook', generic, 'crossed')).toBe(generic);
  });

  it('backs off from 5 s, doubling to an hour, with ±20% jitter', () => {
    for (const [attempts, base] of [
      [1, 5_000],
      [2, 10_000],
      [5, 80_000],
      [MAX_ATTEMPTS, 2_560_000],
      [20, 3_600_000],
    ] as const) {
      const ms = backoffMs(attempts);
      expect(ms).toBeGreaterThanOrEqual(base * 0.8);
      expect(ms).toBeLessThanOrEqual(base * 1.2);
    }
  });

  it('leases a claim for longer than two sends', () => {
    expect(leaseFor(10_000)).toBe(25_000);
  });
});
