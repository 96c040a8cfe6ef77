/** The alert history of one budget: each threshold crossing and how its webhook delivery went. Loaded when opened. */
import { useState } from 'preact/hooks';
import type { BudgetAlert } from '../../../../shared/budgets';
import { usdExact } from '../../lib/format';

const STATUS_TEXT: Record<BudgetAlert['status'], string> = {
  pending: 'retrying',
  sent: 'delivered',
  failed: 'gave up',
  no_webhook: 'no webhook',
  cancelled: 'cancelled',
};

export function AlertHistory({ load }: { load: () => Promise<BudgetAlert[]> }) {
  const [alerts, setAlerts] = useState<BudgetAlert[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const onToggle = (e: Event) => {
    if (!(e.currentTarget as HTMLDetailsElement).open) return;
    load().then(setAlerts, (err: unknown) => setError(err instanceof Error ? err.message : String(err)));
  };
  return (
    <details class="budget-alerts" onToggle={onToggle}>
      <summary>Alert history</summary>
      {error ? <p class="state state-error">Could not load: {error}</p> : null}
      {alerts && alerts.length === 0 ? <p class="muted">No threshold crossed yet.</p> : null}
      {alerts && alerts.length > 0 ? (
        <table class="budget-alert-table">
          <thead>
            <tr>
              <th>Period</th>
              <th>Threshold</th>
              <th>Spent then</th>
              <th>Delivery</th>
              <th>Attempts</th>
              <th>Last error</th>
            </tr>
          </thead>
          <tbody>
            {alerts.map((a) => (
              <tr key={a.id}>
                <td>{a.period_start}</td>
                <td>{a.threshold}%</td>
                <td>{usdExact(a.spent_usd)}</td>
                <td class={`alert-${a.status}`}>{STATUS_TEXT[a.status]}</td>
                <td>{a.attempts}</td>
                <td class="muted">{a.last_error ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </details>
  );
}
