/**
 * One budget as a bar: spent (solid), projected to the period's end (lighter, beyond spent), the amount (a line)
 * and each threshold (a tick, filled once crossed), with the figures written out beside it.
 */
import type { Budget, BudgetState } from '../../../../shared/budgets';
import { usdExact } from '../../lib/format';
import { barModel, verdictText } from './bar-model';

const pct = (share: number) => `${(share * 100).toFixed(2)}%`;

function when(iso: string, tz: string): string {
  return new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(iso));
}

export function BudgetBar({ budget, state, tz }: { budget: Budget; state: BudgetState; tz: string }) {
  const m = barModel(budget, state);
  const scope =
    budget.scope.kind === 'workspace' ? 'workspace' : `${budget.scope.kind} ${budget.scope.value}`;
  return (
    <div class={`budget budget-${m.verdict}`} data-testid="budget" data-budget-id={budget.id}>
      <div class="budget-head">
        <span class="budget-name">{budget.name}</span>
        <span class="muted">
          {scope} · per {budget.period} ({budget.tz})
        </span>
        <span class="budget-verdict">{verdictText(m.verdict)}</span>
      </div>
      {/* Drawn for the eye; the figures below say the same in words. */}
      <div class="budget-bar" aria-hidden="true">
        <span class="budget-projected" style={{ width: pct(m.projected) }} />
        <span class="budget-spent" data-testid="budget-spent" style={{ width: pct(m.spent) }} />
        <span
          class="budget-amount"
          style={{ left: pct(m.amount) }}
          title={`amount ${usdExact(budget.amount_usd)}`}
        />
        {m.ticks.map((t) => (
          <span
            key={t.threshold}
            class={t.crossed ? 'budget-tick budget-tick-crossed' : 'budget-tick'}
            style={{ left: pct(t.at) }}
            title={`${t.threshold}%${t.crossed ? ' · crossed, alerted' : ''}`}
          />
        ))}
      </div>
      <div class="budget-figures">
        <span data-testid="budget-spent-text">{usdExact(state.spent_usd)}</span> of{' '}
        {usdExact(budget.amount_usd)} ({m.percent.toFixed(1)}%) · projected {usdExact(state.projected_usd)} by{' '}
        {when(state.period_end, tz)}
        {state.projected_cross_at ? ` · crosses the amount around ${when(state.projected_cross_at, tz)}` : ''}
      </div>
    </div>
  );
}
