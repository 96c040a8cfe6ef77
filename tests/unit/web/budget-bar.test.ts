import { describe, expect, it } from 'vitest';
import type { Budget, BudgetState } from '../../../shared/budgets';
import { barModel } from '../../../web/src/components/budget/bar-model';

const budget: Budget = {
  id: '6f1c2d3e-4a5b-4c6d-8e7f-000000000001',
  name: 'team',
  scope: { kind: 'workspace' },
  period: 'month',
  tz: 'UTC',
  amount_usd: 100,
  thresholds: [50, 80, 100],
};
const state = (spent: number, projected: number, crossed: number[] = []): BudgetState => ({
  budget_id: budget.id,
  period_start: '2026-11-01T00:00:00.000Z',
  period_end: '2026-12-01T00:00:00.000Z',
  spent_usd: spent,
  projected_usd: projected,
  projected_cross_at: null,
  crossed,
});

describe('budget bar model', () => {
  it('is green while spend and projection stay under the amount', () => {
    const m = barModel(budget, state(40, 90, []));
    expect(m.verdict).toBe('under');
    expect(m.spent).toBeCloseTo(40 / 105, 9);
    expect(m.projected).toBeCloseTo(90 / 105, 9);
    expect(m.ticks.map((t) => [t.threshold, t.crossed])).toEqual([
      [50, false],
      [80, false],
      [100, false],
    ]);
    expect(m.percent).toBe(40);
  });

  it('says "projected over" when only the projection passes the amount, and scales to it', () => {
    const m = barModel(budget, state(60, 200, [50]));
    expect(m.verdict).toBe('projected-over');
    expect(m.projected).toBeCloseTo(200 / 210, 9);
    expect(m.amount).toBeCloseTo(100 / 210, 9);
    expect(m.ticks[0]).toEqual({ threshold: 50, at: 50 / 210, crossed: true });
  });

  it('is red once spend passed the amount, even when a correction lowered the projection below it', () => {
    expect(barModel(budget, state(120, 100, [50, 80, 100])).verdict).toBe('over');
  });
});
