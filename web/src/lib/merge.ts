/**
 * Live deltas into history rows: a `usage` push carries amounts to add per UTC hour (or per calendar date for
 * the daily-totals format); the dashboard keeps rows per local day in the viewer's zone, so each hour is
 * bucketed with the zone's own calendar (DST included) and added to its day × provider × model row.
 */
import type { UsageDelta, UsagePush, UsageRow } from '../../../shared/schemas';
import { localDate } from '../../../shared/time';
import { addCounts, zeroCounts } from '../../../shared/tokens';

/** The viewer's local date a delta belongs to. */
export function deltaDate(delta: UsageDelta, tz: string): string {
  return 'hour' in delta ? localDate(delta.hour, tz) : delta.date;
}

const rowKey = (r: { runtime_id: string; date: string; provider: string; model: string }): string =>
  `${r.runtime_id}\u0000${r.date}\u0000${r.provider}\u0000${r.model}`;

export interface MergeOptions {
  tz: string;
  /** Oldest date kept (inclusive); deltas before the shown window are dropped. */
  since?: string;
}

/**
 * Adds the deltas of several pushes to rows (newest day first) and returns new rows; the input is untouched.
 * The row's cost adds the delta's cost (priced per event by the hub); it becomes unknown (null) as soon as the row
 * holds tokens of unknown price, as the hub would answer.
 */
export function mergeUsage(
  rows: readonly UsageRow[],
  pushes: readonly UsagePush[],
  opts: MergeOptions,
): UsageRow[] {
  const byKey = new Map<string, UsageRow>();
  for (const r of rows) byKey.set(rowKey(r), r);
  let changed = false;
  for (const push of pushes) {
    for (const delta of push.deltas) {
      const date = deltaDate(delta, opts.tz);
      if (opts.since !== undefined && date < opts.since) continue;
      const key = rowKey({ runtime_id: push.runtime_id, date, provider: delta.provider, model: delta.model });
      const prev = byKey.get(key);
      const counts = addCounts(prev ?? zeroCounts(), delta);
      const unpriced = (prev?.unpriced_tokens ?? 0) + (delta.unpriced_tokens ?? 0);
      const prevCost = prev ? prev.cost_usd : 0;
      const known = prevCost !== null && unpriced <= 0 && typeof delta.cost_usd === 'number';
      byKey.set(key, {
        runtime_id: push.runtime_id,
        date,
        provider: delta.provider,
        model: delta.model,
        ...counts,
        cost_usd: known ? Math.round((prevCost + (delta.cost_usd ?? 0)) * 1e9) / 1e9 : null,
        // The delta does not say who priced it: a row keeps its source until the next refetch.
        cost_source: known
          ? prev?.cost_source === 'unknown'
            ? 'table'
            : (prev?.cost_source ?? 'table')
          : 'unknown',
        unpriced_tokens: unpriced,
      });
      changed = true;
    }
  }
  if (!changed) return rows.slice();
  // Stable sort keeps the hub's order within a day; new days land where their date says.
  return [...byKey.values()].sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : 0));
}
