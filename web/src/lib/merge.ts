/**
 * Live deltas into history rows: a `usage` push carries amounts to add per UTC hour (or per calendar date for
 * the daily-totals format); the dashboard keeps rows per local day in the viewer's zone, so each hour is
 * bucketed with the zone's own calendar (DST included) and added to its day × provider × model row.
 */
import type { TokenCounts, UsageDelta, UsagePush, UsageRow } from '../../../shared/schemas';
import { localDate } from '../../../shared/time';
import { addCounts, zeroCounts } from '../../../shared/tokens';

/**
 * The viewer's local date a delta belongs to. A zone with a half- or quarter-hour offset (India, Nepal) starts
 * its day inside a UTC hour, so the delta's `at` (its UTC quarter-hour) decides when the hub sends one.
 */
export function deltaDate(delta: UsageDelta, tz: string): string {
  return 'hour' in delta ? localDate(delta.at ?? delta.hour, tz) : delta.date;
}

/** The amounts a row holds: the four counts, its cost (null when unknown) and its tokens of unknown price. */
export interface RowAmounts extends TokenCounts {
  cost_usd: number | null;
  unpriced_tokens?: number | undefined;
}

/**
 * A row's amounts with a delta added (a missing row counts as zero). The cost adds the delta's cost (priced per
 * event by the hub) and becomes unknown (null) as soon as the row holds tokens of unknown price, as the hub
 * would answer. Used by every view that merges deltas, so they all round and give up alike.
 */
export function addDelta(prev: RowAmounts | undefined, delta: UsageDelta): Required<RowAmounts> {
  const counts = addCounts(prev ?? zeroCounts(), delta);
  const unpriced = (prev?.unpriced_tokens ?? 0) + (delta.unpriced_tokens ?? 0);
  const prevCost = prev ? prev.cost_usd : 0;
  const known = prevCost !== null && unpriced <= 0 && typeof delta.cost_usd === 'number';
  return {
    ...counts,
    cost_usd: known ? Math.round((prevCost + (delta.cost_usd ?? 0)) * 1e9) / 1e9 : null,
    unpriced_tokens: unpriced,
  };
}

const rowKey = (r: { runtime_id: string; date: string; provider: string; model: string }): string =>
  `${r.runtime_id}\u0000${r.date}\u0000${r.provider}\u0000${r.model}`;

export interface MergeOptions {
  tz: string;
  /** Oldest date kept (inclusive); deltas before the shown window are dropped. */
  since?: string;
}

/** Adds the deltas of several pushes to rows (newest day first) and returns new rows; the input is untouched. */
export function mergeUsage(
  rows: readonly UsageRow[],
  pushes: readonly UsagePush[],
  opts: MergeOptions,
): UsageRow[] {
  // A fresh answer is replayed with the pushes of its fetch, usually none: no index of its rows for nothing.
  if (pushes.length === 0) return rows.slice();
  const byKey = new Map<string, UsageRow>();
  for (const r of rows) byKey.set(rowKey(r), r);
  let changed = false;
  for (const push of pushes) {
    for (const delta of push.deltas) {
      const date = deltaDate(delta, opts.tz);
      if (opts.since !== undefined && date < opts.since) continue;
      const key = rowKey({ runtime_id: push.runtime_id, date, provider: delta.provider, model: delta.model });
      const prev = byKey.get(key);
      const sum = addDelta(prev, delta);
      const known = sum.cost_usd !== null;
      byKey.set(key, {
        runtime_id: push.runtime_id,
        date,
        provider: delta.provider,
        model: delta.model,
        ...sum,
        // The delta does not say who priced it: a row keeps its source until the next refetch.
        cost_source: known
          ? prev?.cost_source === 'unknown'
            ? 'table'
            : (prev?.cost_source ?? 'table')
          : 'unknown',
      });
      changed = true;
    }
  }
  if (!changed) return rows.slice();
  // Stable sort keeps the hub's order within a day; new days land where their date says.
  return [...byKey.values()].sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0));
}
