import { describe, expect, it } from 'vitest';
import { type RatedPrice, requestCost } from '../../../shared/pricing';
import type { UsageRow } from '../../../shared/schemas';
import {
  byKey,
  byModel,
  cacheHitRate,
  dailySeries,
  splitPeriods,
  totalsOf,
} from '../../../web/src/lib/aggregate';

/** List prices per million tokens (input, output, cache read, 5-minute cache write) of the models used here. */
const flat = (input: number, output: number): RatedPrice => ({
  base: { input, output, cache_read: input / 10, cache_write: input * 1.25 },
  tiers: [],
});
const PRICES: Record<string, RatedPrice> = {
  'claude-sonnet-4-5': flat(3, 15),
  'claude-opus-4-5': flat(5, 25),
  'claude-haiku-4-5': flat(1, 5),
};

const A = '11111111-1111-4111-8111-111111111111';
const B = '22222222-2222-4222-8222-222222222222';

function row(
  date: string,
  model: string,
  input: number,
  output: number,
  read: number,
  write: number,
  runtime = A,
): UsageRow {
  const counts = {
    input_tokens: input,
    output_tokens: output,
    cache_read_tokens: read,
    cache_write_tokens: write,
  };
  return {
    runtime_id: runtime,
    date,
    provider: 'claude',
    model,
    ...counts,
    cost_usd: PRICES[model] ? requestCost(PRICES[model], counts) : null,
  };
}

const rows = [
  row('2026-11-24', 'claude-sonnet-4-5', 1_000_000, 100_000, 3_000_000, 200_000),
  row('2026-11-24', 'mystery-model', 500, 0, 0, 0),
  row('2026-11-20', 'claude-opus-4-5', 10_000, 10_000, 0, 0, B),
  row('2026-11-14', 'claude-haiku-4-5', 1000, 1000, 1000, 1000),
];

describe('cost of a row (shared requestCost)', () => {
  it('prices each kind at its own rate', () => {
    // sonnet 4.5: $3 input, $15 output, $0.30 cache read, $3.75 cache write per million
    expect(rows[0]?.cost_usd).toBe(3 + 1.5 + 0.9 + 0.75);
  });

  it('has no price for an unknown model', () => {
    expect(rows[1]?.cost_usd).toBeNull();
  });
});

describe('totalsOf', () => {
  it('sums kinds, tokens and the priced cost, and names the unpriced models', () => {
    const t = totalsOf(rows);
    expect(t).toEqual({
      input_tokens: 1_011_500,
      output_tokens: 111_000,
      cache_read_tokens: 3_001_000,
      cache_write_tokens: 201_000,
      tokens: 4_324_500,
      // sonnet 6.15 + opus 0.30 + haiku 0.00735 (the mystery model has no price)
      cost: 6.45735,
      unpriced: [{ model: 'mystery-model', tokens: 500 }],
    });
  });
});

describe('cacheHitRate', () => {
  it('is cache read over input plus cache read', () => {
    expect(cacheHitRate({ input_tokens: 1_000_000, cache_read_tokens: 3_000_000 })).toBe(0.75);
  });

  it('is null with no prompt tokens at all', () => {
    expect(cacheHitRate({ input_tokens: 0, cache_read_tokens: 0 })).toBeNull();
  });
});

describe('splitPeriods', () => {
  const now = new Date('2026-11-24T12:00:00Z');

  it('splits the last N local days from the N before', () => {
    const p = splitPeriods(rows, 7, 'UTC', now);
    expect(p.dates).toEqual([
      '2026-11-18',
      '2026-11-19',
      '2026-11-20',
      '2026-11-21',
      '2026-11-22',
      '2026-11-23',
      '2026-11-24',
    ]);
    expect(p.current.map((r) => r.date)).toEqual(['2026-11-24', '2026-11-24', '2026-11-20']);
    expect(p.previous.map((r) => r.date)).toEqual(['2026-11-14']);
  });

  it('counts days in the viewer zone (already tomorrow in Auckland)', () => {
    const p = splitPeriods([], 1, 'Pacific/Auckland', now);
    expect(p.dates).toEqual(['2026-11-25']);
  });
});

describe('dailySeries', () => {
  it('has one point per day, zero where there was no usage', () => {
    const s = dailySeries(rows, ['2026-11-23', '2026-11-24']);
    expect(s.tokens).toEqual([0, 4_300_500]);
    expect(s.kinds.input_tokens).toEqual([0, 1_000_500]);
    expect(s.cost).toEqual([0, 6.15]);
  });
});

describe('byModel', () => {
  it('sorts models by tokens with share and cost', () => {
    const m = byModel(rows);
    expect(m.map((s) => s.model)).toEqual([
      'claude-sonnet-4-5',
      'claude-opus-4-5',
      'claude-haiku-4-5',
      'mystery-model',
    ]);
    expect(m[0]).toEqual({
      model: 'claude-sonnet-4-5',
      tokens: 4_300_000,
      share: 4_300_000 / 4_324_500,
      cost: 6.15,
    });
    expect(m[3]).toMatchObject({ model: 'mystery-model', cost: null });
  });
});

describe('byKey', () => {
  it('totals each runtime of rows grouped by runtime separately', () => {
    const t = byKey(
      rows.map(({ runtime_id, provider: _p, model: _m, cost_source: _s, ...r }) => ({
        ...r,
        key: runtime_id,
      })),
    );
    expect(t.get(B)?.tokens).toBe(20_000);
    expect(t.get(A)?.tokens).toBe(4_304_500);
  });
});

describe('totals of grouped rows (the overview per model, a runtime page per day)', () => {
  const g = (date: string, key: string, input: number, cost: number | null) => ({
    date,
    key,
    input_tokens: input,
    output_tokens: 0,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
    cost_usd: cost,
    ...(cost === null ? { unpriced_tokens: input } : {}),
  });

  it('sums them as per-model rows, a row of unknown cost named by its key', () => {
    const t = totalsOf([g('2026-11-24', 'claude-sonnet-4-5', 100, 0.5), g('2026-11-24', A, 40, null)]);
    expect(t.tokens).toBe(140);
    expect(t.cost).toBe(0.5);
    expect(t.unpriced).toEqual([{ model: A, tokens: 40 }]);
    expect(dailySeries([g('2026-11-24', 'x', 7, 0.25)], ['2026-11-23', '2026-11-24']).tokens).toEqual([0, 7]);
  });
});
