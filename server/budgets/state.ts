/**
 * A budget's live state (the contract's BudgetState): the stored spend of a period, its crossed thresholds and —
 * for the current period — the projection to its end.
 */
import { type BudgetState, LruCache } from '../../shared';
import { type BudgetRow, hourlySpend, periodSpend, type SpendScope, type Sql } from '../store';
import { periodAround, periodFrom } from './periods';
import { PROJECTION_HISTORY_MS, project } from './projection';

const HOUR = 3_600_000;

export const scopeOf = (b: BudgetRow): SpendScope => ({
  workspace_id: b.workspace_id,
  kind: b.scope.kind,
  value: b.scope.value,
});

/**
 * The weekly part of a projection's history (older than the last day) changes only as hours pass: kept per
 * budget, revision and hour, so a budget pushed every second reads four weeks of its scope once an hour and only
 * the last day on each push.
 */
const weeklyHistory = new LruCache<string, Promise<{ hour: number; cost: number }[]>>({ capacity: 2_000 });

async function history(sql: Sql, b: BudgetRow, now: number): Promise<Map<number, number>> {
  const thisHour = Math.floor(now / HOUR) * HOUR;
  const dayAgo = thisHour - 24 * HOUR;
  const key = `${b.id}|${b.revision}|${thisHour}`;
  let older = weeklyHistory.get(key);
  if (!older) {
    older = hourlySpend(sql, scopeOf(b), thisHour - PROJECTION_HISTORY_MS, dayAgo);
    weeklyHistory.set(key, older);
    older.catch(() => weeklyHistory.delete(key));
  }
  const [old, recent] = await Promise.all([older, hourlySpend(sql, scopeOf(b), dayAgo)]);
  return new Map([...old, ...recent].map((r) => [r.hour, r.cost]));
}

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
    const hourly = await history(sql, b, now);
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
