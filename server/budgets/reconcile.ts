/**
 * Exact recomputes of a period's spend from the usage tables, for what the increments cannot cover: a new or changed
 * budget (its current period, at once and again after a grace period that outlasts every node's stale copy of the
 * budgets), and an hour that straddles a period edge. The period row is locked first, so a usage commit adding to it
 * either finished before the recompute read the usage (and is in the sum) or waits and adds after it: never lost,
 * never counted twice. Any node runs the due recomputes; `SKIP LOCKED` keeps two from doing the same one.
 */
import type { Logger } from 'pino';
import {
  type BudgetRow,
  budgetById,
  claimDueReconciles,
  type Database,
  lockPeriod,
  type PeriodKey,
  type Sql,
  setPeriodSpend,
  spendIn,
} from '../store';
import { periodFrom } from './periods';
import { scopeOf } from './state';

/** A recompute's outcome: the period and the thresholds it crossed for the first time. */
export interface Reconciled extends PeriodKey {
  budget: BudgetRow;
  crossed: number[];
}

/** Recomputes one period whose row this transaction has locked. */
async function recompute(tx: Sql, b: BudgetRow, key: PeriodKey): Promise<number[]> {
  const bounds = periodFrom(b, key.period_start);
  const spent = await spendIn(tx, scopeOf(b), bounds);
  return setPeriodSpend(tx, key, spent);
}

/** Recomputes one period now (a budget just created or changed). */
export async function reconcileNow(db: Database, b: BudgetRow, periodStart: string): Promise<Reconciled> {
  const key = { budget_id: b.id, period_start: periodStart };
  const crossed = await db.transaction(async (tx) => {
    await lockPeriod(tx, key);
    return recompute(tx, b, key);
  });
  return { ...key, budget: b, crossed };
}

/** Runs the recomputes that are due, a batch per transaction; returns what it recomputed. */
export async function reconcileDue(db: Database, batch = 20): Promise<Reconciled[]> {
  return db.transaction(async (tx) => {
    const done: Reconciled[] = [];
    for (const key of await claimDueReconciles(tx, batch)) {
      const b = await budgetById(tx, key.budget_id);
      if (!b || b.deleted || key.period_start < b.tracked_from) {
        await setPeriodSpend(tx, key, 0);
        continue;
      }
      done.push({ ...key, budget: b, crossed: await recompute(tx, b, key) });
    }
    return done;
  });
}

/** Polls for due recomputes on every node. */
export function runReconciles(
  db: Database,
  everyMs: number,
  logger: Logger,
  onDone: (r: Reconciled[]) => void,
): { wake: () => void; stop: () => void } {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      for (;;) {
        const done = await reconcileDue(db);
        if (done.length > 0) onDone(done);
        if (done.length < 20) break;
      }
    } catch (err) {
      logger.warn({ err }, 'budget recompute failed; retrying');
    } finally {
      running = false;
    }
  };
  const timer = setInterval(tick, everyMs);
  timer.unref();
  return { wake: () => void tick(), stop: () => clearInterval(timer) };
}
