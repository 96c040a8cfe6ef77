import { describe, expect, it } from 'vitest';
import type { UsagePush, UsageRow } from '../../../shared/schemas';
import { deltaDate, mergeUsage } from '../../../web/src/lib/merge';

const RT = '11111111-1111-4111-8111-111111111111';
const counts = (input: number) => ({
  input_tokens: input,
  output_tokens: 0,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
});

/** One delta of 1 input token for every UTC hour from `start`, `hours` long. */
function hourly(start: string, hours: number): UsagePush {
  const t0 = Date.parse(start);
  return {
    runtime_id: RT,
    deltas: Array.from({ length: hours }, (_, i) => ({
      hour: new Date(t0 + i * 3_600_000).toISOString(),
      provider: 'claude',
      model: 'claude-sonnet-4-5',
      ...counts(1),
    })),
  };
}

const perDay = (rows: UsageRow[]) => Object.fromEntries(rows.map((r) => [r.date, r.input_tokens]));

describe('deltaDate', () => {
  it('puts an hour into the local day of the zone', () => {
    const d = { hour: '2026-01-01T12:00:00.000Z', provider: 'p', model: 'm', ...counts(1) };
    expect(deltaDate(d, 'Pacific/Auckland')).toBe('2026-01-02');
    expect(deltaDate(d, 'America/Los_Angeles')).toBe('2026-01-01');
    expect(deltaDate(d, 'UTC')).toBe('2026-01-01');
  });

  it('keeps a daily-totals delta on its own date in every zone', () => {
    const d = { date: '2026-03-08', provider: 'p', model: 'm', ...counts(1) };
    expect(deltaDate(d, 'Pacific/Auckland')).toBe('2026-03-08');
    expect(deltaDate(d, 'America/Los_Angeles')).toBe('2026-03-08');
  });
});

describe('mergeUsage across a DST change', () => {
  it('gives America/Los_Angeles 2026-03-08 (spring forward) exactly 23 hours', () => {
    const rows = mergeUsage([], [hourly('2026-03-08T00:00:00Z', 48)], { tz: 'America/Los_Angeles' });
    expect(perDay(rows)).toEqual({ '2026-03-07': 8, '2026-03-08': 23, '2026-03-09': 17 });
  });

  it('gives Pacific/Auckland 2026-04-05 (clocks back) exactly 25 hours', () => {
    const rows = mergeUsage([], [hourly('2026-04-04T00:00:00Z', 48)], {
      tz: 'Pacific/Auckland',
    });
    expect(perDay(rows)).toEqual({ '2026-04-04': 11, '2026-04-05': 25, '2026-04-06': 12 });
  });

  it('returns rows newest day first', () => {
    const rows = mergeUsage([], [hourly('2026-04-04T00:00:00Z', 48)], {
      tz: 'Pacific/Auckland',
    });
    expect(rows.map((r) => r.date)).toEqual(['2026-04-06', '2026-04-05', '2026-04-04']);
  });
});

describe('mergeUsage', () => {
  const base: UsageRow = {
    runtime_id: RT,
    date: '2026-11-24',
    provider: 'claude',
    model: 'claude-sonnet-4-5',
    input_tokens: 1000,
    output_tokens: 500,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    cost_usd: 0.0105,
  };

  it("adds a delta to the existing row and adds the delta's cost to the row's", () => {
    const push: UsagePush = {
      runtime_id: RT,
      deltas: [
        {
          hour: '2026-11-24T10:00:00Z',
          provider: 'claude',
          model: 'claude-sonnet-4-5',
          input_tokens: 1000,
          output_tokens: 0,
          cache_read_tokens: 1_000_000,
          cache_write_tokens: 0,
          cost_usd: 0.303,
          unpriced_tokens: 0,
        },
      ],
    };
    const [row, ...rest] = mergeUsage([base], [push], { tz: 'UTC' });
    expect(rest).toEqual([]);
    expect(row).toEqual({
      ...base,
      input_tokens: 2000,
      cache_read_tokens: 1_000_000,
      cost_usd: 0.3135,
      cost_source: 'table',
      unpriced_tokens: 0,
    });
  });

  it('leaves the input rows untouched', () => {
    const rows = [base];
    mergeUsage(rows, [hourly('2026-11-24T10:00:00Z', 1)], { tz: 'UTC' });
    expect(rows[0]?.input_tokens).toBe(1000);
  });

  it('creates a row per provider × model and keeps a null cost for an unpriced model', () => {
    const push: UsagePush = {
      runtime_id: RT,
      deltas: [
        {
          date: '2026-11-23',
          provider: 'codex',
          model: 'mystery-model',
          ...counts(7),
          cost_usd: 0,
          unpriced_tokens: 7,
        },
      ],
    };
    const rows = mergeUsage([base], [push], { tz: 'UTC' });
    expect(rows).toHaveLength(2);
    expect(rows[1]).toEqual({
      runtime_id: RT,
      date: '2026-11-23',
      provider: 'codex',
      model: 'mystery-model',
      ...counts(7),
      cost_usd: null,
      cost_source: 'unknown',
      unpriced_tokens: 7,
    });
  });

  it('drops deltas older than the window', () => {
    const push: UsagePush = {
      runtime_id: RT,
      deltas: [{ date: '2026-10-01', provider: 'p', model: 'm', ...counts(5) }],
    };
    const rows = mergeUsage([base], [push], { tz: 'UTC', since: '2026-11-01' });
    expect(rows).toEqual([base]);
  });

  it('sums several pushes of one frame', () => {
    const a = hourly('2026-11-24T10:00:00Z', 2);
    const b = hourly('2026-11-24T11:00:00Z', 3);
    const rows = mergeUsage([], [a, b], { tz: 'UTC' });
    expect(perDay(rows)).toEqual({ '2026-11-24': 5 });
  });
});
