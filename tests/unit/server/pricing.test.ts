import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../server/config';
import { CURRENT_MODELS, createPricer, type HubPricer, loadPricer } from '../../../server/pricing';
import { normaliseModel, type UsageEvent } from '../../../shared';

const million = { input_tokens: 1e6, output_tokens: 1e6, cache_read_tokens: 1e6, cache_write_tokens: 1e6 };
const none = { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 };

/** One event of `model` on `date`, priced by `pricer`. */
function costOf(
  model: string,
  counts: Partial<UsageEvent>,
  { date = '2026-06-01', pricer = createPricer(), provider = 'claude' } = {},
): number | null {
  const e: UsageEvent = { id: 'e', ts: `${date}T10:00:00Z`, provider, model, ...none, ...counts };
  return pricer.event(e).cost_usd;
}

function priceFile(content: unknown): HubPricer {
  const file = join(mkdtempSync(join(tmpdir(), 'rh-prices-')), 'prices.json');
  writeFileSync(file, JSON.stringify(content));
  return loadPricer(file);
}

describe('pricing', () => {
  it.each([
    ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
    ['anthropic.claude-opus-4-1-20250805-v1:0', 'claude-opus-4-1'],
    ['us.anthropic.claude-haiku-4-5-20251001-v1:0', 'claude-haiku-4-5'],
    ['claude-opus-4-5@20251101', 'claude-opus-4-5'],
    ['claude-opus-4-6[1m]', 'claude-opus-4-6'],
    ['anthropic/claude-haiku-4-5', 'claude-haiku-4-5'],
    ['gpt-5-2025-08-07', 'gpt-5'],
    ['GPT-4o-mini-2024-07-18', 'gpt-4o-mini'],
    ['openai/gpt-5.4', 'gpt-5.4'],
  ])('prices the alias %s as %s', (raw, key) => {
    expect(normaliseModel(raw)).toBe(key);
    expect(costOf(raw, million)).toBe(costOf(key, million));
    expect(costOf(raw, million)).not.toBeNull();
  });

  it('prices each token kind at its own rate', () => {
    // Opus 4.5: $5 in, $25 out, $0.50 cache read, $6.25 cache write per million.
    expect(costOf('claude-opus-4-5-20251101', million)).toBe(36.75);
    // GPT-5: $1.25 in, $10 out, $0.125 cached; no cache-write premium.
    expect(costOf('gpt-5', million, { provider: 'codex' })).toBe(12.625);
    expect(costOf('claude-sonnet-4-5', { input_tokens: 1 })).toBe(0.000003);
  });

  it('has no price, not a zero price, for an unknown model', () => {
    expect(costOf('mystery-model-x', million)).toBeNull();
    expect(
      createPricer().event({ id: 'e', ts: '2026-06-01T00:00:00Z', provider: 'x', model: 'zz', ...million }),
    ).toEqual({ cost_usd: null, cost_source: null });
  });

  it('prices 1-hour cache writes at 2× input and 5-minute ones at 1.25×', () => {
    // Opus 4.5: 5-minute writes $6.25, 1-hour writes $10 per million.
    expect(costOf('claude-opus-4-5', { cache_write_tokens: 1e6, cache_write_1h_tokens: 1e6 })).toBe(10);
    expect(costOf('claude-opus-4-5', { cache_write_tokens: 1e6, cache_write_1h_tokens: 400_000 })).toBe(
      0.6 * 6.25 + 0.4 * 10,
    );
    expect(costOf('claude-opus-4-5', { cache_write_tokens: 1e6 })).toBe(6.25);
  });

  it('prices a request above 200k input tokens at the long-context tier, cached input included', () => {
    // Sonnet 4.5 above 200k: $6 in, $22.50 out, $0.60 cache read per million.
    expect(costOf('claude-sonnet-4-5', { input_tokens: 250_000, output_tokens: 10_000 })).toBe(1.5 + 0.225);
    expect(costOf('claude-sonnet-4-5', { input_tokens: 150_000, cache_read_tokens: 60_000 })).toBe(
      0.9 + 0.036,
    );
    // At or below 200k the base tier: $3 in.
    expect(costOf('claude-sonnet-4-5', { input_tokens: 200_000 })).toBe(0.6);
  });

  it('prices fast mode at 6× the standard prices of Opus 4.6', () => {
    const usage = { input_tokens: 100_000, output_tokens: 100_000 };
    expect(costOf('claude-opus-4-6', usage, { date: '2026-04-01' })).toBe(3);
    expect(costOf('claude-opus-4-6', { ...usage, speed: 'fast' }, { date: '2026-04-01' })).toBe(18);
    expect(costOf('claude-opus-4-7', { ...usage, speed: 'fast' })).toBe(18);
    // A model with no known fast-mode price is unknown, not priced as standard.
    expect(costOf('claude-haiku-4-5', { ...usage, speed: 'fast' })).toBeNull();
  });

  it('prices an event as of its own date when the price changed', () => {
    // Opus 4.6 had a >200k tier ($10 in) until 2026-03-13, then a flat $5 across its 1M window.
    expect(costOf('claude-opus-4-6', { input_tokens: 300_000 }, { date: '2026-02-10' })).toBe(3);
    expect(costOf('claude-opus-4-6', { input_tokens: 300_000 }, { date: '2026-04-01' })).toBe(1.5);
    // The date is the UTC date of the instant, whatever offset the timestamp is written with.
    const late = { id: 'e', provider: 'claude', model: 'claude-opus-4-6', ...none, input_tokens: 300_000 };
    expect(createPricer().event({ ...late, ts: '2026-03-12T23:30:00-05:00' }).cost_usd).toBe(1.5);
    expect(createPricer().event({ ...late, ts: '2026-03-12T23:30:00Z' }).cost_usd).toBe(3);
  });

  it('takes the cost the agent reported over the table', () => {
    const e: UsageEvent = {
      id: 'e',
      ts: '2026-06-01T00:00:00Z',
      provider: 'claude',
      model: 'claude-opus-4-5',
      ...million,
      cost_usd: 0.42,
    };
    expect(createPricer().event(e)).toEqual({ cost_usd: 0.42, cost_source: 'agent' });
    expect(createPricer().event({ ...e, model: 'mystery-model-x' })).toEqual({
      cost_usd: 0.42,
      cost_source: 'agent',
    });
  });

  it.each([
    ...CURRENT_MODELS,
    'gpt-5.2-codex',
    'gpt-5.3-codex',
    'gpt-5.4',
    'gpt-5.5',
    'gpt-5.1-codex-max',
    'claude-opus-4-7',
    'claude-sonnet-4-6',
    'claude-haiku-4-5-20251001',
  ])('prices the current model %s', (model) => {
    const provider = model.startsWith('gpt') ? 'codex' : 'claude';
    expect(costOf(model, million, { provider, date: '2026-11-30' })).toBeGreaterThan(0);
  });

  it('agrees with costs computed by hand from the published list prices within 0.5% per day and model', () => {
    // A day of mixed requests; list prices per million (Anthropic / OpenAI pricing pages).
    const day: [string, Partial<UsageEvent>, number][] = [
      [
        'claude-opus-4-7',
        {
          input_tokens: 12,
          output_tokens: 900,
          cache_read_tokens: 80_000,
          cache_write_tokens: 3_000,
          cache_write_1h_tokens: 3_000,
        },
        (12 * 5 + 900 * 25 + 80_000 * 0.5 + 3_000 * 10) / 1e6,
      ],
      [
        'claude-opus-4-7',
        { input_tokens: 3, output_tokens: 250, cache_read_tokens: 83_000, cache_write_tokens: 1_200 },
        (3 * 5 + 250 * 25 + 83_000 * 0.5 + 1_200 * 6.25) / 1e6,
      ],
      [
        'claude-sonnet-4-5',
        { input_tokens: 5, output_tokens: 2_000, cache_read_tokens: 220_000, cache_write_tokens: 500 },
        (5 * 6 + 2_000 * 22.5 + 220_000 * 0.6 + 500 * 7.5) / 1e6,
      ],
      [
        'gpt-5.3-codex',
        { input_tokens: 4_000, output_tokens: 1_500, cache_read_tokens: 40_000 },
        (4_000 * 1.75 + 1_500 * 14 + 40_000 * 0.175) / 1e6,
      ],
      [
        'gpt-5.4',
        { input_tokens: 9_000, output_tokens: 700, cache_read_tokens: 60_000 },
        (9_000 * 2.5 + 700 * 15 + 60_000 * 0.25) / 1e6,
      ],
    ];
    const byModel = new Map<string, [number, number]>();
    for (const [model, usage, hand] of day) {
      const provider = model.startsWith('gpt') ? 'codex' : 'claude';
      const ours = costOf(model, usage, { provider, date: '2026-11-30' })!;
      const [a, b] = byModel.get(model) ?? [0, 0];
      byModel.set(model, [a + ours, b + hand]);
    }
    for (const [model, [ours, hand]] of byModel)
      expect(Math.abs(ours - hand) / hand, model).toBeLessThan(0.005);
  });

  it('lays a PRICING_FILE override and an alias over the database', () => {
    const pricer = priceFile({
      prices: {
        'my-model-20250101': { input: 1, output: 2, cache_read: 0, cache_write: 0 },
        'claude-opus-4-5': { input: 1, output: 1, cache_read: 1, cache_write: 1, cache_write_1h: 3 },
      },
      aliases: { 'corp-coder': 'claude-sonnet-4-6' },
    });
    expect(costOf('my-model', million, { pricer })).toBe(3);
    expect(costOf('claude-opus-4-5-20251101', million, { pricer })).toBe(4);
    expect(
      costOf('claude-opus-4-5', { cache_write_tokens: 1e6, cache_write_1h_tokens: 1e6 }, { pricer }),
    ).toBe(3);
    expect(costOf('corp-coder', million, { pricer })).toBe(costOf('claude-sonnet-4-6', million));
  });

  it('still reads a PRICING_FILE written as a bare table', () => {
    const pricer = priceFile({ 'my-model': { input: 1, output: 2, cache_read: 0, cache_write: 0 } });
    expect(costOf('my-model', million, { pricer })).toBe(3);
    expect(costOf('claude-opus-4-5', million, { pricer })).toBe(36.75);
  });

  it('refuses a price file with a bad entry, naming it', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rh-prices-')), 'prices.json');
    writeFileSync(file, JSON.stringify({ m: { input: -1, output: 2, cache_read: 0, cache_write: 0 } }));
    expect(() => loadPricer(file)).toThrow(ConfigError);
    expect(() => loadPricer(file)).toThrow(/PRICING_FILE.*m\.input/);
  });

  it.each([
    ['constructor', 'claude-opus-4-5'],
    ['__proto__', ' '],
    ['toString', '\u0001'],
    ['\u0001', '(['],
  ])(
    'regression: an event whose provider is %j and model %j is priced or unknown, never an error',
    (provider, model) => {
      const e: UsageEvent = { id: 'e', ts: '2020-01-01T00:00:00Z', provider, model, ...million };
      expect(() => createPricer().event(e)).not.toThrow();
    },
  );

  it('prices daily totals at the base tier as of their date', () => {
    const entry = {
      date: '2026-02-10',
      provider: 'claude',
      model: 'claude-opus-4-6',
      ...none,
      input_tokens: 300_000,
    };
    expect(createPricer().daily(entry)).toEqual({ cost_usd: 1.5, cost_source: 'table' });
  });
});
