/** A small form to add a budget; the hub validates it and its 400 (naming the field) is shown as it is. */
import { useState } from 'preact/hooks';
import type { Budget } from '../../../../shared/budgets';
import type { NewBudget } from './budget-api';

const KINDS = ['workspace', 'runtime', 'provider', 'model'] as const;
const PERIODS = ['day', 'week', 'month'] as const;

export function BudgetForm({ tz, create }: { tz: string; create: (b: NewBudget) => Promise<Budget> }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const onSubmit = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const f = new FormData(form);
    const text = (k: string) => String(f.get(k) ?? '').trim();
    const kind = text('kind') as (typeof KINDS)[number];
    const thresholds = text('thresholds');
    const input: NewBudget = {
      name: text('name'),
      scope: kind === 'workspace' ? { kind } : { kind, value: text('value') },
      period: text('period') as (typeof PERIODS)[number],
      tz: text('tz') || tz,
      amount_usd: Number(text('amount')),
      ...(thresholds ? { thresholds: thresholds.split(',').map((t) => Number(t.trim())) } : {}),
      ...(text('webhook') ? { webhook_url: text('webhook') } : {}),
    };
    setBusy(true);
    try {
      await create(input);
      setError(null);
      form.reset();
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <details class="budget-new">
      <summary>Add a budget</summary>
      <form class="budget-form" onSubmit={onSubmit}>
        <input name="name" placeholder="name" required aria-label="name" />
        <select name="kind" aria-label="scope">
          {KINDS.map((k) => (
            <option key={k}>{k}</option>
          ))}
        </select>
        <input name="value" placeholder="runtime id, provider or model" aria-label="scope value" />
        <select name="period" aria-label="period">
          {PERIODS.map((p) => (
            <option key={p}>{p}</option>
          ))}
        </select>
        <input name="tz" placeholder={tz} aria-label="time zone" />
        <input
          name="amount"
          type="number"
          min="0.01"
          step="0.01"
          placeholder="USD"
          required
          aria-label="amount USD"
        />
        <input name="thresholds" placeholder="50, 80, 100" aria-label="thresholds %" />
        <input
          name="webhook"
          type="url"
          placeholder="webhook URL (optional; the hub POSTs to it)"
          aria-label="webhook URL"
        />
        <button type="submit" class="btn btn-small" disabled={busy}>
          Add
        </button>
        {error ? (
          <p class="state state-error" role="alert">
            {error}
          </p>
        ) : null}
      </form>
    </details>
  );
}
