/**
 * The usage-commit hook: turns a commit's deltas into spend increments of the budgets they fall in, and writes them
 * (with any threshold crossings) in the commit's own transaction. A delta counts in the period of its time in the
 * budget's zone — a rollup delta by its UTC quarter-hour, a daily total by its date — from the budget's first tracked
 * period on, past and future periods included, so corrections and late reports count like any usage. Every zone's
 * local midnight is a UTC quarter-hour, so a delta never straddles a period edge; if one ever did (a zone with an
 * odder offset), it cannot be split, and its periods are recomputed exactly from the rollup right after the commit.
 */
import type { DateDelta, HourDelta } from '../ingest/changes';
import type { BudgetRow, PeriodKey, SpendIncrement } from '../store';
import { periodStartOf } from './periods';

/** A rollup delta covers one UTC quarter-hour from `at`. */
const QUARTER = 15 * 60_000;

/** True when the delta is usage the budget counts. */
export function inBudgetScope(b: Pick<BudgetRow, 'scope'>, d: HourDelta | DateDelta): boolean {
  switch (b.scope.kind) {
    case 'workspace':
      return true;
    case 'runtime':
      return d.runtime_id === b.scope.value;
    case 'provider':
      return d.provider === b.scope.value;
    case 'model':
      return d.model === b.scope.value;
  }
}

export interface Evaluation {
  increments: SpendIncrement[];
  /** Periods to recompute exactly (an hour straddling their edge). */
  straddled: PeriodKey[];
  /** Budget × delta pairs evaluated (for /metrics). */
  evaluated: number;
}

/** What the deltas add to the budgets of their workspaces. */
export function evaluate(
  deltas: ReadonlyArray<HourDelta | DateDelta>,
  budgetsOf: (runtimeId: string) => readonly BudgetRow[],
): Evaluation {
  const out: Evaluation = { increments: [], straddled: [], evaluated: 0 };
  for (const d of deltas) {
    if (d.cost_usd === 0) continue;
    for (const b of budgetsOf(d.runtime_id)) {
      if (!inBudgetScope(b, d)) continue;
      out.evaluated++;
      if ('date' in d) {
        const start = periodStartOf(b, d.date);
        if (start >= b.tracked_from)
          out.increments.push({ budget_id: b.id, period_start: start, cost_usd: d.cost_usd });
        continue;
      }
      const first = periodStartOf(b, d.at.getTime());
      const last = periodStartOf(b, d.at.getTime() + QUARTER - 1);
      if (first === last) {
        if (first >= b.tracked_from)
          out.increments.push({ budget_id: b.id, period_start: first, cost_usd: d.cost_usd });
        continue;
      }
      for (const start of [first, last])
        if (start >= b.tracked_from) out.straddled.push({ budget_id: b.id, period_start: start });
    }
  }
  return out;
}
