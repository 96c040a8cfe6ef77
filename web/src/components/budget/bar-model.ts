/**
 * What a budget bar shows, computed from a budget and its state: lengths as shares of the bar's scale, the
 * threshold ticks, and a verdict whose colour says over or under honestly — red only when spend passed the amount,
 * amber when the projection passes it, green otherwise.
 */
import type { Budget, BudgetState } from '../../../../shared/budgets';

export type Verdict = 'under' | 'projected-over' | 'over';

export interface BarModel {
  /** Shares (0–1) of the scale: the scale is the largest of amount, spent and projected, plus room. */
  spent: number;
  projected: number;
  amount: number;
  ticks: { threshold: number; at: number; crossed: boolean }[];
  verdict: Verdict;
  /** Spent as a percentage of the amount. */
  percent: number;
}

export function barModel(budget: Budget, state: BudgetState): BarModel {
  const scale = Math.max(budget.amount_usd, state.spent_usd, state.projected_usd) * 1.05;
  const share = (v: number) => Math.min(1, Math.max(0, v / scale));
  const verdict: Verdict =
    state.spent_usd >= budget.amount_usd
      ? 'over'
      : state.projected_usd >= budget.amount_usd
        ? 'projected-over'
        : 'under';
  return {
    spent: share(state.spent_usd),
    projected: share(Math.max(state.spent_usd, state.projected_usd)),
    amount: share(budget.amount_usd),
    ticks: budget.thresholds.map((t) => ({
      threshold: t,
      at: share((budget.amount_usd * t) / 100),
      crossed: state.crossed.includes(t),
    })),
    verdict,
    percent: (state.spent_usd / budget.amount_usd) * 100,
  };
}

const VERDICT_TEXT: Record<Verdict, string> = {
  under: 'on track',
  'projected-over': 'projected over',
  over: 'over budget',
};

export const verdictText = (v: Verdict) => VERDICT_TEXT[v];
