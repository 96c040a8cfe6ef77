/**
 * "Where it went": usage per project, person and session. The hub answers per local day × key (its top keys by
 * cost plus `other`, and `(none)` for usage without that attribution); live deltas are added to the key they
 * carry, so the panel stays exact with REST + deltas. This module is pure: rows and deltas in, rows and
 * summaries out.
 */
import { FOLDED_GROUP } from '../../../shared/attribution';
import type { GroupBy, GroupedUsageRow, TokenCounts, UsageDelta, UsagePush } from '../../../shared/schemas';
import { addInto, totalOf, zeroCounts } from '../../../shared/tokens';
import { deltaAttribution, type Filter, matchesFilter, NONE_VALUE } from './filter';
import { addDelta, deltaDate } from './merge';

/** The key of usage that carries no value for the dimension (a daily-totals report, an older daemon). */
export const NONE_KEY = NONE_VALUE;
/** The key the hub folds every group past its top ones into. */
export const OTHER_KEY = FOLDED_GROUP;

export interface GroupMergeOptions {
  tz: string;
  /** Oldest date kept (inclusive): the first day of the panel's range. */
  since?: string | undefined;
  /** Only deltas of this runtime (the runtime page). */
  runtimeId?: string | undefined;
  /** Deltas outside the page's filter are not part of what it shows. */
  filter?: Filter | undefined;
}

/**
 * The key a delta's usage belongs to among the keys the rows already hold. A value the hub listed keeps its
 * key; one it did not list was folded into `other` when the answer had an `other` (the value ranked below the
 * top), and is a group of its own when it had none (every group was listed, so this one is new). `(none)` ranks
 * like any key on the hub, so it folds alike.
 */
export function groupKeyOf(value: string | undefined, known: ReadonlySet<string>): string {
  const key = value ?? NONE_KEY;
  if (known.has(key) || !known.has(OTHER_KEY)) return key;
  return OTHER_KEY;
}

const rowKey = (date: string, key: string) => `${date}\u0000${key}`;

/** The value of `dim` a delta of `push` carries: its model, its runtime, or its attribution. */
function dimValue(push: UsagePush, delta: UsageDelta, dim: GroupBy): string | undefined {
  if (dim === 'model') return delta.model;
  if (dim === 'runtime') return push.runtime_id;
  return deltaAttribution(delta, dim);
}

/**
 * Adds the deltas of several pushes to grouped rows of `dim` and returns new rows (the same array when none
 * applies); the input is untouched.
 */
export function mergeGrouped(
  rows: GroupedUsageRow[],
  pushes: readonly UsagePush[],
  dim: GroupBy,
  opts: GroupMergeOptions,
): GroupedUsageRow[] {
  // A fresh answer is replayed with the pushes of its fetch, usually none: no index of its rows for nothing.
  if (pushes.length === 0) return rows;
  const byKey = new Map(rows.map((r) => [rowKey(r.date, r.key), r]));
  const known = new Set(rows.map((r) => r.key));
  let changed = false;
  for (const push of pushes) {
    if (opts.runtimeId !== undefined && push.runtime_id !== opts.runtimeId) continue;
    for (const delta of push.deltas) {
      if (!matchesFilter(delta, opts.filter)) continue;
      const date = deltaDate(delta, opts.tz);
      if (opts.since !== undefined && date < opts.since) continue;
      const key = groupKeyOf(dimValue(push, delta, dim), known);
      known.add(key);
      const k = rowKey(date, key);
      byKey.set(k, { date, key, ...addDelta(byKey.get(k), delta) });
      changed = true;
    }
  }
  return changed ? [...byKey.values()] : rows;
}

export interface GroupEntry extends TokenCounts {
  key: string;
  tokens: number;
  /** Sum of the priced part; tokens of unknown price add nothing to it. */
  cost: number;
  /** True when some of its usage has no known price: `cost` is then a lower bound. */
  partial: boolean;
  /** Share of the column's total cost (of its tokens when nothing is priced), 0–1. */
  share: number;
}

export interface GroupSummary {
  /** Most cost first (then most tokens, then by name); `other` last, since it is many groups. */
  entries: GroupEntry[];
  cost: number;
  tokens: number;
  /** What `share` measures: cost, or tokens when the whole column has no known cost. */
  shareOf: 'cost' | 'tokens';
}

function byCost(a: GroupEntry, b: GroupEntry): number {
  if ((a.key === OTHER_KEY) !== (b.key === OTHER_KEY)) return a.key === OTHER_KEY ? 1 : -1;
  return b.cost - a.cost || b.tokens - a.tokens || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/** One entry per key over the rows, sorted, with its share of the total. */
export function summarizeGroups(rows: readonly GroupedUsageRow[]): GroupSummary {
  const m = new Map<string, GroupEntry>();
  for (const r of rows) {
    let e = m.get(r.key);
    if (!e) {
      e = { key: r.key, ...zeroCounts(), tokens: 0, cost: 0, partial: false, share: 0 };
      m.set(r.key, e);
    }
    addInto(e, r);
    e.tokens += totalOf(r);
    if (r.cost_usd === null) e.partial = true;
    else e.cost += r.cost_usd;
    if ((r.unpriced_tokens ?? 0) > 0) e.partial = true;
  }
  const entries = [...m.values()].filter((e) => e.tokens > 0 || e.cost > 0);
  let cost = 0;
  let tokens = 0;
  for (const e of entries) {
    // Row costs are whole nano-dollars; summing floats must not show as $6.4573500000001.
    e.cost = Math.round(e.cost * 1e9) / 1e9;
    cost += e.cost;
    tokens += e.tokens;
  }
  cost = Math.round(cost * 1e9) / 1e9;
  const shareOf = cost > 0 ? 'cost' : 'tokens';
  for (const e of entries) {
    const whole = shareOf === 'cost' ? cost : tokens;
    e.share = whole === 0 ? 0 : (shareOf === 'cost' ? e.cost : e.tokens) / whole;
  }
  return { entries: entries.sort(byCost), cost, tokens, shareOf };
}
