import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addBudgetSpend,
  type BudgetRow,
  claimDueAlerts,
  claimDueReconciles,
  createWorkspace,
  insertBudget,
  listAlerts,
  periodSpend,
  recordDelivery,
  scheduleReconcile,
} from '../../server/store';
import { BudgetInput } from '../../shared';
import { type DatabaseUnderTest, databaseKinds } from '../helpers/databases';

describe.each(databaseKinds)('budget store on %s', (_kind, open) => {
  let under: DatabaseUnderTest;
  let budget: BudgetRow;

  beforeAll(async () => {
    under = await open();
    const ws = await createWorkspace(under.db, 'w');
    const input = BudgetInput.parse({
      name: 'b',
      scope: { kind: 'workspace' },
      period: 'day',
      amount_usd: 1,
      thresholds: [50, 100],
      webhook_url: 'http://127.0.0.1:9/x',
    });
    budget = await insertBudget(under.db, ws.id, input, '2026-11-01');
  });
  afterAll(() => under.close());

  it('adds spend exactly in numeric and records each threshold once per period', async () => {
    const key = { budget_id: budget.id, period_start: '2026-11-30' };
    const first = await under.db.transaction((tx) =>
      addBudgetSpend(tx, [
        { ...key, cost_usd: 0.1 },
        { ...key, cost_usd: 0.2 },
        { budget_id: budget.id, period_start: '2026-11-29', cost_usd: 0.3 },
      ]),
    );
    expect(first.find((c) => c.period_start === '2026-11-30')).toEqual({
      ...key,
      spent_usd: 0.3,
      crossed: [],
    });
    const second = await under.db.transaction((tx) => addBudgetSpend(tx, [{ ...key, cost_usd: 0.7 }]));
    expect(second).toEqual([{ ...key, spent_usd: 1, crossed: [50, 100] }]);
    await under.db.transaction((tx) =>
      addBudgetSpend(tx, [
        { ...key, cost_usd: -0.9 },
        { ...key, cost_usd: 0.95 },
      ]),
    );
    expect(await periodSpend(under.db, key)).toEqual({ spent_usd: 1.05, crossed: [50, 100] });
    expect((await listAlerts(under.db, budget.id)).map((a) => [a.threshold, a.status])).toEqual([
      [100, 'pending'],
      [50, 'pending'],
    ]);
  });

  it('lets one claimant hold a due alert until its lease ends, and records only with that lease', async () => {
    const mine = await claimDueAlerts(under.db, 'node-a', 60_000, 10);
    expect(mine).toHaveLength(2);
    expect(await claimDueAlerts(under.db, 'node-b', 60_000, 10)).toEqual([]);
    expect(await recordDelivery(under.db, mine[0]!, 'node-b', { ok: true, status: 200 })).toBe(false);
    expect(await recordDelivery(under.db, mine[0]!, 'node-a', { ok: true, status: 200 })).toBe(true);
    expect(
      await recordDelivery(under.db, mine[1]!, 'node-a', {
        ok: false,
        status: 503,
        error: 'HTTP 503',
        retryInMs: 0,
      }),
    ).toBe(true);
    const again = await claimDueAlerts(under.db, 'node-b', 60_000, 10);
    expect(again.map((a) => [a.id, a.attempts])).toEqual([[mine[1]!.id, 2]]);
  });

  it('schedules a recompute once however often a period is named', async () => {
    const key = { budget_id: budget.id, period_start: '2026-11-28' };
    await under.db.transaction((tx) => scheduleReconcile(tx, [key, key, key]));
    const due = await under.db.transaction((tx) => claimDueReconciles(tx, 10));
    expect(due).toContainEqual(key);
  });
});
