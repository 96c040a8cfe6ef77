/**
 * Regression: the shared UsageDelta schema took its counts from TokenCounts (≥ 0), so a delta that takes tokens
 * away — an event replaced by a larger one in another quarter, model or project — did not match the wire type the
 * hub sends, and a client validating pushes would refuse it.
 */
import { describe, expect, it } from 'vitest';
import { UsagePush } from '../../../shared';

describe('usage delta counts', () => {
  it('accepts negative counts in a delta that moves tokens away', () => {
    const push = {
      runtime_id: '6f1c2f8e-8a0a-4b7e-9a57-0f6b0c1d2e3f',
      deltas: [
        {
          hour: '2026-05-03T10:00:00.000Z',
          at: '2026-05-03T10:15:00.000Z',
          provider: 'claude',
          model: 'claude-sonnet-4-5',
          input_tokens: -10,
          output_tokens: 0,
          cache_read_tokens: -3,
          cache_write_tokens: 0,
          cost_usd: -0.00003,
          project: 'old',
        },
        {
          date: '2026-05-03',
          provider: 'claude',
          model: 'gpt-5',
          input_tokens: -30,
          output_tokens: 1,
          cache_read_tokens: 0,
          cache_write_tokens: 0,
        },
      ],
    };
    expect(UsagePush.parse(push)).toEqual(push);
  });

  it('still refuses a count that is not a safe integer', () => {
    const delta = {
      date: '2026-05-03',
      provider: 'c',
      model: 'm',
      input_tokens: 0.5,
      output_tokens: 0,
      cache_read_tokens: 0,
      cache_write_tokens: -(2 ** 60),
    };
    expect(
      UsagePush.safeParse({ runtime_id: '6f1c2f8e-8a0a-4b7e-9a57-0f6b0c1d2e3f', deltas: [delta] }).success,
    ).toBe(false);
  });
});
