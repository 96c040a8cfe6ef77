/**
 * Sums of history rows the way each panel reads them: totals, one point per day, one slice per model,
 * one line per runtime. Tokens of a row are its four kinds together (cache included).
 */
import type { GroupedUsageRow, TokenCounts, UsageRow } from '../../../shared/schemas';
import { windowDates } from '../../../shared/time';
import { addInto, byKind, TOKEN_KINDS, type TokenKind, totalOf, zeroCounts } from '../../../shared/tokens';

// The pages and the usage table call a row's total by this name.
export { totalOf as rowTokens } from '../../../shared/tokens';

export interface UnpricedModel {
  model: string;
  tokens: number;
}

export interface Totals extends TokenCounts {
  tokens: number;
  /** Sum of the priced rows. */
  cost: number;
  /** Models with tokens of unknown cost, sorted, with those tokens (their cost is left out of `cost`). */
  unpriced: UnpricedModel[];
}

/** What sums read of a row: a per-model row of the history, or a grouped row (its key names the model). */
export type AmountRow = (UsageRow | GroupedUsageRow) & { date: string };

const modelOf = (r: AmountRow): string => ('model' in r ? r.model : r.key);

export function totalsOf(rows: readonly AmountRow[]): Totals {
  const t: Totals = { ...zeroCounts(), tokens: 0, cost: 0, unpriced: [] };
  const unpriced = new Map<string, number>();
  for (const r of rows) {
    addInto(t, r);
    t.tokens += totalOf(r);
    // A row of unknown cost has no cost in the total; a hub that does not say which tokens counts them all.
    if (r.cost_usd === null)
      unpriced.set(modelOf(r), (unpriced.get(modelOf(r)) ?? 0) + (r.unpriced_tokens ?? totalOf(r)));
    else t.cost += r.cost_usd;
  }
  t.unpriced = [...unpriced.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([model, tokens]) => ({ model, tokens }));
  // Row costs are whole nano-dollars; summing floats must not show as $6.4573500000001.
  t.cost = Math.round(t.cost * 1e9) / 1e9;
  return t;
}

/** cache_read / (input + cache_read): the share of prompt tokens served from cache; null with no input at all. */
export function cacheHitRate(t: Pick<Totals, 'input_tokens' | 'cache_read_tokens'>): number | null {
  const denom = t.input_tokens + t.cache_read_tokens;
  return denom === 0 ? null : t.cache_read_tokens / denom;
}

export interface DailySeries {
  /** Oldest first, one entry per calendar day of the window, days without usage included. */
  dates: string[];
  kinds: Record<TokenKind, number[]>;
  tokens: number[];
  cost: number[];
}

/** One point per date of `dates` (oldest first). */
export function dailySeries(rows: readonly AmountRow[], dates: readonly string[]): DailySeries {
  const index = new Map(dates.map((d, i) => [d, i]));
  const zeros = () => dates.map(() => 0);
  const s: DailySeries = {
    dates: [...dates],
    kinds: byKind(zeros),
    tokens: zeros(),
    cost: zeros(),
  };
  for (const r of rows) {
    const i = index.get(r.date);
    if (i === undefined) continue;
    for (const k of TOKEN_KINDS) s.kinds[k][i] = (s.kinds[k][i] ?? 0) + r[k];
    s.tokens[i] = (s.tokens[i] ?? 0) + totalOf(r);
    s.cost[i] = (s.cost[i] ?? 0) + (r.cost_usd ?? 0);
  }
  s.cost = s.cost.map((c) => Math.round(c * 1e6) / 1e6);
  return s;
}

export interface ModelSlice {
  model: string;
  tokens: number;
  share: number;
  /** null when any row of the model has no known price. */
  cost: number | null;
}

/** One slice per model, most tokens first (ties by name so the order is stable). */
export function byModel(rows: readonly UsageRow[]): ModelSlice[] {
  const m = new Map<string, { tokens: number; cost: number | null }>();
  let total = 0;
  for (const r of rows) {
    const t = totalOf(r);
    total += t;
    const prev = m.get(r.model) ?? { tokens: 0, cost: 0 };
    prev.tokens += t;
    prev.cost = prev.cost === null || r.cost_usd === null ? null : prev.cost + r.cost_usd;
    m.set(r.model, prev);
  }
  return [...m.entries()]
    .map(([model, v]) => ({
      model,
      tokens: v.tokens,
      cost: v.cost,
      share: total === 0 ? 0 : v.tokens / total,
    }))
    .sort((a, b) => b.tokens - a.tokens || (a.model < b.model ? -1 : 1));
}

/** Totals per key of grouped rows (per runtime id for `group_by=runtime`). */
export function byKey(rows: readonly GroupedUsageRow[]): Map<string, Totals> {
  const groups = new Map<string, GroupedUsageRow[]>();
  for (const r of rows) {
    const g = groups.get(r.key);
    if (g) g.push(r);
    else groups.set(r.key, [r]);
  }
  return new Map([...groups].map(([id, g]) => [id, totalsOf(g)]));
}

export interface Periods<R> {
  /** Dates of the current window, oldest first. */
  dates: string[];
  current: R[];
  previous: R[];
}

/** Splits rows into the last `days` local days (today included) and the `days` before them. */
export function splitPeriods<R extends { date: string }>(
  rows: readonly R[],
  days: number,
  tz: string,
  now: Date = new Date(),
): Periods<R> {
  const window = windowDates(days * 2, tz, now);
  const currentStart = window[days - 1] ?? '';
  const previousStart = window[days * 2 - 1] ?? '';
  return {
    dates: window.slice(0, days).reverse(),
    current: rows.filter((r) => r.date >= currentStart),
    previous: rows.filter((r) => r.date < currentStart && r.date >= previousStart),
  };
}
