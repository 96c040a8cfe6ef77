/**
 * Model prices in USD per million tokens, and the cost of a usage row. One table for the hub and the dashboard;
 * the hub can override it from a JSON file (PRICING_FILE) and serves the effective table at /api/pricing.
 */
import { z } from 'zod';
import type { TokenCounts } from './schemas';

export const ModelPrice = z.strictObject({
  input: z.number().min(0),
  output: z.number().min(0),
  cache_read: z.number().min(0),
  cache_write: z.number().min(0),
});
export type ModelPrice = z.infer<typeof ModelPrice>;

export const PriceTable = z.record(z.string().min(1), ModelPrice);
export type PriceTable = z.infer<typeof PriceTable>;

const anthropic = (input: number, output: number): ModelPrice => ({
  input,
  output,
  cache_read: input / 10,
  cache_write: input * 1.25,
});
// OpenAI bills no cache-write premium: cached prompt writes cost the input price.
const openai = (input: number, output: number, cacheRead: number): ModelPrice => ({
  input,
  output,
  cache_read: cacheRead,
  cache_write: input,
});

/** List prices, keyed by the normalised model name (see normaliseModel). */
export const defaultPrices: PriceTable = {
  'claude-opus-4': anthropic(15, 75),
  'claude-opus-4-1': anthropic(15, 75),
  'claude-opus-4-5': anthropic(5, 25),
  'claude-opus-4-6': anthropic(5, 25),
  'claude-sonnet-4': anthropic(3, 15),
  'claude-sonnet-4-5': anthropic(3, 15),
  'claude-sonnet-4-6': anthropic(3, 15),
  'claude-haiku-4-5': anthropic(1, 5),
  'claude-3-7-sonnet': anthropic(3, 15),
  'claude-3-5-haiku': anthropic(0.8, 4),
  'gpt-5': openai(1.25, 10, 0.125),
  'gpt-5-codex': openai(1.25, 10, 0.125),
  'gpt-5-mini': openai(0.25, 2, 0.025),
  'gpt-5-nano': openai(0.05, 0.4, 0.005),
  'gpt-5-pro': openai(15, 120, 15),
  'gpt-5.1': openai(1.25, 10, 0.125),
  'gpt-5.1-codex': openai(1.25, 10, 0.125),
  'gpt-5.1-codex-mini': openai(0.25, 2, 0.025),
  'gpt-5.2': openai(1.75, 14, 0.175),
  'gpt-4o': openai(2.5, 10, 1.25),
  'gpt-4o-mini': openai(0.15, 0.6, 0.075),
  'gpt-4.1': openai(2, 8, 0.5),
  'gpt-4.1-mini': openai(0.4, 1.6, 0.1),
  'gpt-4.1-nano': openai(0.1, 0.4, 0.025),
};

/**
 * Normalises a provider's model name to a price-table key: lower case, no `anthropic.` / `openai/` prefix,
 * no date suffix (`-20250929`, `-2025-08-07`, `@20250929`), no Bedrock version (`-v1:0`).
 * @example normaliseModel('anthropic.claude-sonnet-4-5-20250929-v1:0') // 'claude-sonnet-4-5'
 */
export function normaliseModel(model: string): string {
  return model
    .trim()
    .toLowerCase()
    .replace(/^(?:[a-z]{2}\.)?anthropic\.|^anthropic\/|^openai\//, '')
    .replace(/-v\d+(?::\d+)?$/, '')
    .replace(/[-@](?:\d{8}|\d{4}-\d{2}-\d{2})$/, '');
}

/** The price of a model, or undefined when it is not in the table (exact match after normalisation). */
export function priceOf(model: string, table: PriceTable = defaultPrices): ModelPrice | undefined {
  return table[normaliseModel(model)] ?? table[model];
}

/**
 * Cost in USD of some token counts, or null when the model has no known price.
 * @example costUsd('claude-opus-4-5', { input_tokens: 1e6, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 }) // 5
 */
export function costUsd(
  model: string,
  counts: TokenCounts,
  table: PriceTable = defaultPrices,
): number | null {
  const price = priceOf(model, table);
  if (!price) return null;
  const micro =
    counts.input_tokens * price.input +
    counts.output_tokens * price.output +
    counts.cache_read_tokens * price.cache_read +
    counts.cache_write_tokens * price.cache_write;
  // Rounded to a millionth of a dollar so sums of rows do not drift in the last float digits.
  return Math.round(micro) / 1e6;
}
