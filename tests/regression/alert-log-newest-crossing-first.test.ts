/**
 * CI failure, session 10: the two-node alert test read its log as [80, 100, 50]. A commit that began before another
 * but crossed its threshold after it logged that crossing with its transaction's start time, so a later threshold
 * sorted as older. The log is newest crossing first whatever order the transactions began in.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { addBudgetSpend, createWorkspace, insertBudget, listAlerts } from '../../server/store';
import { BudgetInput } from '../../shared';
import { type MigratedPostgres, migratedPostgres } from '../helpers/databases';

let pg: MigratedPostgres;
beforeAll(async () => {
  pg = await migratedPostgres(2);
});
afterAll(() => pg.close());

it('logs a threshold crossed by an earlier-begun transaction as the newest', async () => {
  const ws = await createWorkspace(pg.db, 'w');
  const input = BudgetInput.parse({
    name: 'b',
    scope: { kind: 'workspace' },
    period: 'day',
    amount_usd: 1,
    thresholds: [50, 80, 100],
    webhook_url: 'http://127.0.0.1:9/x',
  });
  const budget = await insertBudget(pg.db, ws.id, input, '2026-11-01');
  const key = { budget_id: budget.id, period_start: '2026-11-30' };
  await pg.db.transaction(async (tx) => {
    await tx.query('SELECT now()'); // fixes this transaction's start before the other one begins
    await new Promise((resolve) => setTimeout(resolve, 5));
    // On the pool's other connection: crosses 50 and 80 and commits first.
    await pg.db.transaction((other) => addBudgetSpend(other, [{ ...key, cost_usd: 0.8 }]));
    await new Promise((resolve) => setTimeout(resolve, 5));
    return addBudgetSpend(tx, [{ ...key, cost_usd: 0.3 }]); // crosses 100 last
  });
  expect((await listAlerts(pg.db, budget.id)).map((a) => a.threshold)).toEqual([100, 80, 50]);
});
