import { describe, expect, it } from 'vitest';
import { UsageEvent } from '../../../shared';

const old = {
  id: 'msg_1:req_1',
  ts: '2026-11-24T10:00:00Z',
  provider: 'claude',
  model: 'claude-opus-4-7',
  input_tokens: 12,
  output_tokens: 340,
  cache_read_tokens: 21_000,
  cache_write_tokens: 800,
};

describe('UsageEvent', () => {
  it('accepts an event without the cost fields, as older senders send it', () => {
    expect(UsageEvent.parse(old)).toEqual(old);
  });

  it('accepts 1-hour cache writes, speed and an agent-reported cost', () => {
    const e = { ...old, cache_write_1h_tokens: 800, speed: 'fast', cost_usd: 0.0123 };
    expect(UsageEvent.parse(e)).toEqual(e);
  });

  it('refuses 1-hour cache writes above the cache writes, naming the field', () => {
    const result = UsageEvent.safeParse({ ...old, cache_write_1h_tokens: 801 });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['cache_write_1h_tokens']);
  });

  it.each([
    ['a negative cost', { cost_usd: -0.01 }, 'cost_usd'],
    ['an infinite cost', { cost_usd: Number.POSITIVE_INFINITY }, 'cost_usd'],
    ['a cost above the bound', { cost_usd: 1e7 }, 'cost_usd'],
    ['an unknown speed', { speed: 'turbo' }, 'speed'],
    ['a fractional 1-hour count', { cache_write_1h_tokens: 1.5 }, 'cache_write_1h_tokens'],
  ])('refuses %s', (_, extra, field) => {
    const result = UsageEvent.safeParse({ ...old, ...extra });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([field]);
  });
});
