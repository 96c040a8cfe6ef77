/**
 * A budget's live state (the contract's BudgetState): the stored spend of a period, its crossed thresholds and —
 * for the current period — the projection to its end.
 */
import type { BudgetState } from '../../shared';
import { type BudgetRow, hourlySpend, periodSpend, type SpendScope, type Sql } from '../store';
import { periodAround, periodFrom } from './periods';
import { PROJECTION_HISTORY_MS, project } from './projection';

const HOUR = 3_600_000;

export const scopeOf = (b: BudgetRow): SpendScope => ({
  workspace_id: b.workspace_id,
  kind: b.scope.kind,
  value: b.scope.value,
});

/** Rounds away float noise below a billionth of a dollar (the usage views round the same way). */
const usd = (v: number) => Math.round(v * 1e9) / 1e9;

/** The state of the period starting on `periodStart` (default: the current one) as of `now`. */
export async function budgetState(
  sql: Sql,
  b: BudgetRow,
  periodStart?: string,
  now: number = Date.now(),
): Promise<BudgetState> {
  const bounds = periodStart ? periodFrom(b, periodStart) : periodAround(b, now);
  const { spent_usd, crossed } = await periodSpend(sql, { budget_id: b.id, period_start: bounds.startDate });
  let projection = { projected: spent_usd, crossAt: null as number | null };
  if (now >= bounds.start && now < bounds.end) {
    const since = Math.floor(now / HOUR) * HOUR - PROJECTION_HISTORY_MS;
    const rows = await hourlySpend(sql, scopeOf(b), since);
    const hourly = new Map(rows.map((r) => [r.hour, r.cost]));
    projection = project({ now, end: bounds.end, spent: spent_usd, amount: b.amount_usd, hourly });
  }
  return {
    budget_id: b.id,
    period_start: new Date(bounds.start).toISOString(),
    period_end: new Date(bounds.end).toISOString(),
    spent_usd: usd(spent_usd),
    projected_usd: usd(projection.projected),
    projected_cross_at: projection.crossAt === null ? null : new Date(projection.crossAt).toISOString(),
    crossed,
  };
}
