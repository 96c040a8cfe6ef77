/**
 * The shapes of prices and costs, and the cost of one request. The prices themselves come from a maintained
 * database (`@pydantic/genai-prices`, resolved on the hub in server/pricing.ts) with the PRICING_FILE overrides
 * laid over it; this module only holds what the hub, the store and the dashboard share.
 */
import { z } from 'zod';
import type { DailyTotalsEntry, RowCostSource, UsageEvent } from './schemas';

const Usd = z.number().min(0).max(1e6);

/** Prices of one model at one tier, USD per million tokens, in our four independent buckets. */
export const FlatPrice = z.strictObject({
  input: Usd,
  output: Usd,
  cache_read: Usd,
  /** A 5-minute cache write. */
  cache_write: Usd,
  /** A 1-hour cache write; absent means the 5-minute price. */
  cache_write_1h: Usd.optional(),
});
export type FlatPrice = z.infer<typeof FlatPrice>;

/** A PRICING_FILE entry: flat prices, an optional long-context tier and an optional fast-mode multiple. */
export const ModelPrice = FlatPrice.extend({
  /** Prices of a request whose whole input (input + cache read + cache write) is above `above_input_tokens`. */
  long_context: FlatPrice.extend({ above_input_tokens: z.number().int().min(0) }).optional(),
  /** What `speed: "fast"` multiplies every price by. */
  fast_multiplier: z.number().min(1).max(100).optional(),
});
export type ModelPrice = z.infer<typeof ModelPrice>;

export const PriceTable = z.record(z.string().min(1), ModelPrice);
export type PriceTable = z.infer<typeof PriceTable>;

/**
 * PRICING_FILE: either a bare table `{ model: price }` (the first format), or `{ prices, aliases }` where
 * `aliases` maps a model name as the agents write it to the name to price it as.
 */
export const PricingFile = z.strictObject({
  prices: PriceTable.default({}),
  aliases: z.record(z.string().min(1), z.string().min(1)).default({}),
});
export type PricingFile = z.infer<typeof PricingFile>;

/** Where a stored cost came from: the agent's own report, or the price table. */
export const CostSource = z.enum(['agent', 'table']);
export type CostSource = z.infer<typeof CostSource>;

/** The cost of one event or daily-totals entry; cost_usd null (never 0) when its model has no known price. */
export interface Cost {
  cost_usd: number | null;
  cost_source: CostSource | null;
}

/** Prices events and daily-totals entries, each as of its own date. */
export interface Pricer {
  event(e: UsageEvent): Cost;
  daily(e: DailyTotalsEntry): Cost;
}

/** A model's prices as of one date: a base tier, higher tiers by whole input size, a fast-mode multiple. */
export interface RatedPrice {
  base: FlatPrice;
  /** Ascending by `above`; the last one whose `above` the request's whole input passes applies to all of it. */
  tiers: { above: number; price: FlatPrice }[];
  fast_multiplier?: number;
}

/** The token counts of one request as the wire carries them (four independent buckets, 1h inside write). */
export type RequestUsage = Pick<
  UsageEvent,
  | 'input_tokens'
  | 'output_tokens'
  | 'cache_read_tokens'
  | 'cache_write_tokens'
  | 'cache_write_1h_tokens'
  | 'speed'
>;

/** Costs are kept to a billionth of a dollar, so sums of rows do not drift in the last float digits. */
export const roundUsd = (usd: number): number => Math.round(usd * 1e9) / 1e9;

/**
 * USD of one request, or null when it is fast but the model has no known fast-mode multiple.
 * @example requestCost({ base: { input: 3, output: 15, cache_read: 0.3, cache_write: 3.75 }, tiers: [] },
 *   { input_tokens: 1e6, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 }) // 3
 */
export function requestCost(rated: RatedPrice, u: RequestUsage): number | null {
  let multiple = 1;
  if (u.speed === 'fast') {
    if (rated.fast_multiplier === undefined) return null;
    multiple = rated.fast_multiplier;
  }
  // Tiers go by the whole prompt: our input_tokens excludes cached input, the providers' threshold does not.
  const wholeInput = u.input_tokens + u.cache_read_tokens + u.cache_write_tokens;
  let p = rated.base;
  for (const tier of rated.tiers) if (wholeInput > tier.above) p = tier.price;
  const oneHour = Math.min(u.cache_write_1h_tokens ?? 0, u.cache_write_tokens);
  const perMillion =
    u.input_tokens * p.input +
    u.output_tokens * p.output +
    u.cache_read_tokens * p.cache_read +
    (u.cache_write_tokens - oneHour) * p.cache_write +
    oneHour * (p.cache_write_1h ?? p.cache_write);
  return roundUsd((perMillion * multiple) / 1e6);
}

/** The RatedPrice of a PRICING_FILE entry. */
export function ratedFromOverride(m: ModelPrice): RatedPrice {
  const { long_context, fast_multiplier, ...base } = m;
  const tiers = long_context
    ? [{ above: long_context.above_input_tokens, price: dropAbove(long_context) }]
    : [];
  return { base, tiers, ...(fast_multiplier === undefined ? {} : { fast_multiplier }) };
}

function dropAbove({ above_input_tokens: _, ...price }: NonNullable<ModelPrice['long_context']>): FlatPrice {
  return price;
}

/**
 * Strips what gateways and clouds add to a model name: `[1m]` context suffixes, `anthropic/` or `openai/`
 * prefixes (OpenRouter, LiteLLM), Bedrock's `us.anthropic.` / `global.anthropic.` and `-v1:0`, Vertex's
 * `@20250929`. Date suffixes stay: the price database matches them itself.
 * @example cleanModel('us.anthropic.claude-sonnet-4-5-20250929-v1:0') // 'claude-sonnet-4-5-20250929'
 */
export function cleanModel(model: string): string {
  return model
    .trim()
    .toLowerCase()
    .replace(/\[[^\]]*\]$/, '')
    .replace(/^(?:openrouter\/|litellm\/|bedrock\/|vertex_ai\/)/, '')
    .replace(/^(?:[a-z]{2,6}\.)?anthropic\.|^anthropic\/|^openai\/|^azure\//, '')
    .replace(/-v\d+(?::\d+)?$/, '')
    .replace(/@(\d{8})$/, '-$1');
}

/**
 * The name an override is keyed by: cleanModel without the date suffix.
 * @example normaliseModel('anthropic.claude-sonnet-4-5-20250929-v1:0') // 'claude-sonnet-4-5'
 */
export function normaliseModel(model: string): string {
  return cleanModel(model).replace(/-(?:\d{8}|\d{4}-\d{2}-\d{2})$/, '');
}

/**
 * A usage row's cost source from its agent-priced and unpriced tokens.
 * @example rowCostSource(10, 0, 0) // 'table'
 */
export function rowCostSource(total: number, agentTokens: number, unpricedTokens: number): RowCostSource {
  if (unpricedTokens > 0) return 'unknown';
  if (agentTokens === 0) return 'table';
  return agentTokens >= total ? 'agent' : 'mixed';
}
