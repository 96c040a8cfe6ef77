import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../server/config';
import { loadPriceTable } from '../../../server/pricing';
import { costUsd, defaultPrices, normaliseModel, priceOf } from '../../../shared';

const million = { input_tokens: 1e6, output_tokens: 1e6, cache_read_tokens: 1e6, cache_write_tokens: 1e6 };

describe('pricing', () => {
  it.each([
    ['claude-sonnet-4-5-20250929', 'claude-sonnet-4-5'],
    ['anthropic.claude-opus-4-1-20250805-v1:0', 'claude-opus-4-1'],
    ['us.anthropic.claude-haiku-4-5-20251001-v1:0', 'claude-haiku-4-5'],
    ['claude-opus-4-5@20251101', 'claude-opus-4-5'],
    ['gpt-5-2025-08-07', 'gpt-5'],
    ['GPT-4o-mini-2024-07-18', 'gpt-4o-mini'],
    ['openai/gpt-5-codex', 'gpt-5-codex'],
  ])('normalises %s to %s', (raw, key) => {
    expect(normaliseModel(raw)).toBe(key);
    expect(priceOf(raw)).toBe(defaultPrices[key]);
  });

  it('prices each token kind at its own rate', () => {
    // Opus 4.5: $5 in, $25 out, $0.50 cache read, $6.25 cache write per million.
    expect(costUsd('claude-opus-4-5-20251101', million)).toBe(36.75);
    // GPT-5: $1.25 in, $10 out, $0.125 cached; no cache-write premium.
    expect(costUsd('gpt-5', million)).toBe(12.625);
    expect(
      costUsd('claude-sonnet-4-5', {
        ...million,
        output_tokens: 0,
        cache_write_tokens: 0,
        cache_read_tokens: 0,
        input_tokens: 1,
      }),
    ).toBe(0.000003);
  });

  it('has no price, not a zero price, for an unknown model', () => {
    expect(costUsd('llama-3-70b', million)).toBeNull();
    expect(costUsd('claude-sonnet-4-5-extra', million)).toBeNull();
  });

  it('lays a JSON price file over the built-in table, normalising its names', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rh-prices-'));
    const file = join(dir, 'prices.json');
    writeFileSync(
      file,
      JSON.stringify({ 'my-model-20250101': { input: 1, output: 2, cache_read: 0, cache_write: 0 } }),
    );
    const table = loadPriceTable(file);
    expect(costUsd('my-model', million, table)).toBe(3);
    expect(costUsd('claude-opus-4-5', million, table)).toBe(36.75);
  });

  it('refuses a price file with a bad entry, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rh-prices-'));
    const file = join(dir, 'prices.json');
    writeFileSync(file, JSON.stringify({ m: { input: -1, output: 2, cache_read: 0, cache_write: 0 } }));
    expect(() => loadPriceTable(file)).toThrow(ConfigError);
    expect(() => loadPriceTable(file)).toThrow(/PRICING_FILE.*m\.input/);
  });
});
