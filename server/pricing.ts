/**
 * The hub's prices: `@pydantic/genai-prices` (a maintained, dated price database bundled in the package and read
 * offline; its auto-update is never enabled), a small table of what it lacks (fast mode), aliases, and the
 * PRICING_FILE overrides laid over all of it. Prices are resolved once per model and UTC date, then each request
 * is priced by shared arithmetic (requestCost), so pricing an event costs about a microsecond.
 */
import { readFileSync } from 'node:fs';
import { calcPrice, type ModelPrice as DatabasePrice } from '@pydantic/genai-prices';
import {
  type Cost,
  cleanModel,
  type DailyTotalsEntry,
  type FlatPrice,
  normaliseModel,
  type Pricer,
  PriceTable,
  PricingFile,
  type RatedPrice,
  ratedFromOverride,
  requestCost,
  roundUsd,
  type UsageEvent,
} from '../shared';
import { ConfigError } from './config';

/** Our provider names → the database's provider ids; other providers let the database guess from the model. */
const DATABASE_PROVIDER = new Map([
  ['claude', 'anthropic'],
  ['anthropic', 'anthropic'],
  ['codex', 'openai'],
  ['openai', 'openai'],
]);

/**
 * Names the database does not match by itself, priced as another model. Empty today: every current Claude and
 * OpenAI coding model is matched (tests/unit/server/pricing.test.ts lists them). Add here before a release of
 * the database catches up; operators can do the same with PRICING_FILE `aliases`.
 */
const BUILT_IN_ALIASES: Record<string, string> = {};

/**
 * Fast mode (`speed: "fast"`, Claude Opus 4.6 and later) is billed at 6× the standard prices (Anthropic's pricing
 * page: $30 / $150 per million input / output tokens for Opus 4.6). The database has no speed dimension.
 */
const FAST_MULTIPLIERS: [RegExp, number][] = [[/^claude-opus-4-(?:[6-9]|\d\d)(?:\D|$)/, 6]];

/** Models whose current prices /api/pricing shows (the dashboard's reference list); overrides are added. */
export const CURRENT_MODELS = [
  'claude-opus-4-7',
  'claude-opus-4-6',
  'claude-opus-4-5',
  'claude-opus-4-1',
  'claude-opus-4',
  'claude-sonnet-4-6',
  'claude-sonnet-4-5',
  'claude-sonnet-4',
  'claude-haiku-4-5',
  'gpt-5.5',
  'gpt-5.4',
  'gpt-5.3-codex',
  'gpt-5.2-codex',
  'gpt-5.2',
  'gpt-5.1-codex-max',
  'gpt-5.1-codex',
  'gpt-5.1-codex-mini',
  'gpt-5.1',
  'gpt-5-codex',
  'gpt-5',
  'gpt-5-mini',
  'gpt-4.1',
  'gpt-4o',
  'gpt-4o-mini',
] as const;

const KEYS: Record<keyof FlatPrice, string> = {
  input: 'input_mtok',
  output: 'output_mtok',
  cache_read: 'cache_read_mtok',
  cache_write: 'cache_write_mtok',
  cache_write_1h: 'cache_write_1h_mtok',
};

/** A database price at a request whose whole input is `wholeInput` tokens. */
function priceAt(p: DatabasePrice, key: string, wholeInput: number): number | undefined {
  const v = p[key];
  if (v === undefined || typeof v === 'number') return v;
  let price = v.base;
  for (const tier of v.tiers) if (wholeInput > tier.start) price = tier.price;
  return price;
}

/** The database's price in our buckets: absent cache prices are the input price (OpenAI bills no write premium). */
function ratedFromDatabase(p: DatabasePrice): RatedPrice | null {
  const flatAt = (wholeInput: number): FlatPrice | null => {
    const input = priceAt(p, KEYS.input, wholeInput);
    const output = priceAt(p, KEYS.output, wholeInput);
    if (input === undefined || output === undefined) return null;
    const cacheWrite = priceAt(p, KEYS.cache_write, wholeInput) ?? input;
    const oneHour = priceAt(p, KEYS.cache_write_1h, wholeInput);
    return {
      input,
      output,
      cache_read: priceAt(p, KEYS.cache_read, wholeInput) ?? input,
      cache_write: cacheWrite,
      ...(oneHour === undefined ? {} : { cache_write_1h: oneHour }),
    };
  };
  const base = flatAt(0);
  if (!base) return null;
  const starts = new Set<number>();
  for (const key of Object.values(KEYS)) {
    const v = p[key];
    if (v !== undefined && typeof v !== 'number') for (const t of v.tiers) starts.add(t.start);
  }
  const tiers = [...starts]
    .sort((a, b) => a - b)
    .flatMap((above) => {
      const price = flatAt(above + 1);
      return price ? [{ above, price }] : [];
    });
  return { base, tiers };
}

function withFast(model: string, rated: RatedPrice): RatedPrice {
  if (rated.fast_multiplier !== undefined) return rated;
  const fast = FAST_MULTIPLIERS.find(([re]) => re.test(model))?.[1];
  return fast === undefined ? rated : { ...rated, fast_multiplier: fast };
}

/** The UTC date of a timestamp; a `Z` one is read as written (parsing it is most of the cost of pricing). */
const utcDate = (ts: string): string =>
  /[zZ]$/.test(ts) ? ts.slice(0, 10) : new Date(ts).toISOString().slice(0, 10);

export interface HubPricer extends Pricer {
  /** The model's prices as of a UTC date (YYYY-MM-DD), or null when unknown. */
  rate(provider: string, model: string, date: string): RatedPrice | null;
  /** Today's prices of the reference models and the overrides, for /api/pricing. */
  currentTable(): PriceTable;
}

/** A pricer over the database, with overrides and aliases (a parsed PRICING_FILE) laid over it. */
export function createPricer(file: PricingFile = { prices: {}, aliases: {} }): HubPricer {
  const overrides = new Map(Object.entries(file.prices).map(([m, p]) => [normaliseModel(m), p]));
  const aliases = new Map(
    Object.entries({ ...BUILT_IN_ALIASES, ...file.aliases }).map(([from, to]) => [cleanModel(from), to]),
  );
  // Keyed by provider, model and date; dated prices change on whole dates, so this is exact. Bounded by clearing.
  const cache = new Map<string, RatedPrice | null>();

  const lookUp = (provider: string, model: string, date: string): RatedPrice | null => {
    const cleaned = cleanModel(model);
    const name = cleanModel(aliases.get(cleaned) ?? aliases.get(normaliseModel(model)) ?? cleaned);
    const override = overrides.get(normaliseModel(name)) ?? overrides.get(name);
    if (override) return withFast(name, ratedFromOverride(override));
    const timestamp = new Date(`${date}T12:00:00Z`);
    const providerId = DATABASE_PROVIDER.get(provider.toLowerCase());
    try {
      const found =
        (providerId ? calcPrice({}, name, { providerId, timestamp }) : null) ??
        calcPrice({}, name, { timestamp });
      const rated = found ? ratedFromDatabase(found.model_price) : null;
      return rated ? withFast(name, rated) : null;
    } catch {
      // A name the database cannot handle is a model without a known price, never a refused event.
      return null;
    }
  };

  const rate = (provider: string, model: string, date: string): RatedPrice | null => {
    const key = `${provider}\u0000${model}\u0000${date}`;
    let rated = cache.get(key);
    if (rated === undefined) {
      if (cache.size >= 10_000) cache.clear();
      rated = lookUp(provider, model, date);
      cache.set(key, rated);
    }
    return rated;
  };

  // The price each provider × model last resolved to, with its date. The events of a call share few models and
  // mostly one date, so an event is priced by two look-ups of strings it carries and a prefix check: no date sliced,
  // no key string built and hashed per event (that was most of pricing's ~1 µs per event). Bounded by clearing.
  const recent = new Map<string, Map<string, { date: string; rated: RatedPrice | null }>>();
  const rateAt = (provider: string, model: string, ts: string): RatedPrice | null => {
    let models = recent.get(provider);
    if (models === undefined) {
      if (recent.size >= 100) recent.clear();
      models = new Map();
      recent.set(provider, models);
    }
    const last = models.get(model);
    // A `Z` timestamp's UTC date is its first ten characters (utcDate), so the prefix is the date check.
    const z = ts.charCodeAt(ts.length - 1);
    if (last !== undefined && (z === 90 || z === 122) && ts.startsWith(last.date)) return last.rated;
    const date = utcDate(ts);
    const rated = rate(provider, model, date);
    if (last !== undefined) {
      last.date = date;
      last.rated = rated;
    } else {
      if (models.size >= 1_000) models.clear();
      models.set(model, { date, rated });
    }
    return rated;
  };

  const tableCost = (cost: number | null): Cost =>
    cost === null ? { cost_usd: null, cost_source: null } : { cost_usd: cost, cost_source: 'table' };

  return {
    rate,
    event(e: UsageEvent): Cost {
      if (e.cost_usd !== undefined) return { cost_usd: roundUsd(e.cost_usd), cost_source: 'agent' };
      const rated = rateAt(e.provider, e.model, e.ts);
      return tableCost(rated ? requestCost(rated, e) : null);
    },
    daily(e: DailyTotalsEntry): Cost {
      // A day's totals sum many requests: no long-context tier can be told from them, so the base tier applies.
      const rated = rate(e.provider, e.model, e.date);
      return tableCost(rated ? requestCost({ ...rated, tiers: [] }, e) : null);
    },
    currentTable() {
      const today = new Date().toISOString().slice(0, 10);
      const table: PriceTable = {};
      for (const model of [...CURRENT_MODELS, ...overrides.keys()]) {
        const rated = rate('', model, today);
        if (!rated) continue;
        const tier = rated.tiers[0];
        table[model] = {
          ...rated.base,
          ...(tier ? { long_context: { ...tier.price, above_input_tokens: tier.above } } : {}),
          ...(rated.fast_multiplier === undefined ? {} : { fast_multiplier: rated.fast_multiplier }),
        };
      }
      return table;
    },
  };
}

/** The hub's pricer: the database, with PRICING_FILE (if set) laid over it. */
export function loadPricer(file: string | undefined): HubPricer {
  if (!file) return createPricer();
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`invalid PRICING_FILE=${JSON.stringify(file)}: ${(err as Error).message}`);
  }
  const newFormat =
    typeof parsed === 'object' && parsed !== null && ('prices' in parsed || 'aliases' in parsed);
  // A bare table is the first format of the file; it is still read as it was.
  const bareTable = PriceTable.transform((prices): PricingFile => ({ prices, aliases: {} }));
  const result = newFormat ? PricingFile.safeParse(parsed) : bareTable.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ConfigError(
      `invalid PRICING_FILE=${JSON.stringify(file)}: ${issue.path.join('.')}: ${issue.message}`,
    );
  }
  return createPricer(result.data);
}
