/**
 * Budgets of the workspace (or those that concern one runtime): a bar each, kept live by `budget` events, with
 * its alert history; on the overview also a form to add one. Refetched whenever the live connection comes back,
 * as every other view is.
 */
import './budget.css';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Budget, BudgetState } from '../../../../shared/budgets';
import type { Runtime } from '../../../../shared/schemas';
import { budgetFeed } from '../../live/budget-feed';
import { useStore } from '../../live/use-store';
import { Panel } from '../Panel';
import { AlertHistory } from './AlertHistory';
import { BudgetBar } from './BudgetBar';
import { BudgetForm } from './BudgetForm';
import { budgetApi } from './budget-api';

/** A runtime page shows the budgets that count its usage: its own, its provider's and the workspace's. */
function concerns(b: Budget, runtime: Runtime | undefined): boolean {
  if (!runtime) return true;
  const { kind, value } = b.scope;
  return (
    kind === 'workspace' ||
    (kind === 'runtime' && value === runtime.id) ||
    (kind === 'provider' && value === runtime.provider)
  );
}

export function BudgetPanel({ runtime, editable = false }: { runtime?: Runtime; editable?: boolean }) {
  const token = useStore((s) => s.token);
  const tz = useStore((s) => s.tz);
  // Loaded at once, and again each time the live connection comes (back): what was pushed meanwhile is lost.
  const live = useStore((s) => s.connection === 'live');
  const api = useMemo(() => (token ? budgetApi(token) : null), [token]);
  const [budgets, setBudgets] = useState<Budget[] | null>(null);
  const [states, setStates] = useState<Record<string, BudgetState>>({});
  const [error, setError] = useState<string | null>(null);
  const [reload, setReload] = useState(0);

  const loaded = useRef(false);
  const known = useRef(new Set<string>());
  known.current = new Set((budgets ?? []).map((b) => b.id));
  // A state of a budget not listed yet (added on another screen) brings the list up to date.
  useEffect(
    () =>
      budgetFeed.subscribe((s) => {
        setStates((prev) => ({ ...prev, [s.budget_id]: s }));
        if (!known.current.has(s.budget_id)) setReload((n) => n + 1);
      }),
    [],
  );

  useEffect(() => {
    // A lost connection keeps what is shown (the page dims it); only coming back reloads.
    if (!api || (!live && loaded.current)) return;
    const abort = new AbortController();
    (async () => {
      const list = await api.list(abort.signal);
      const pairs = await Promise.all(
        list.map(async (b) => [b.id, await api.state(b.id, abort.signal)] as const),
      );
      setBudgets(list);
      loaded.current = true;
      setStates((prev) => ({ ...prev, ...Object.fromEntries(pairs) }));
      setError(null);
    })().catch((err: unknown) => {
      if (!abort.signal.aborted) setError(err instanceof Error ? err.message : String(err));
    });
    return () => abort.abort();
  }, [api, live, reload]);

  const shown = (budgets ?? []).filter((b) => concerns(b, runtime));
  if (!editable && budgets && shown.length === 0) return null;
  return (
    <Panel
      title="Budgets"
      wide
      loading={budgets === null && error === null}
      error={error}
      empty={shown.length === 0 && !editable ? 'No budget counts this runtime.' : null}
    >
      <div class="budgets">
        {shown.map((b) => {
          const state = states[b.id];
          return (
            <div key={b.id} class="budget-item">
              {state ? <BudgetBar budget={b} state={state} tz={tz} /> : null}
              <div class="budget-actions">
                {api ? <AlertHistory load={() => api.alerts(b.id)} /> : null}
                {editable && api ? (
                  <button
                    type="button"
                    class="btn btn-small"
                    onClick={() => {
                      if (window.confirm(`Delete the budget "${b.name}"?`))
                        void api.remove(b.id).then(
                          () => setReload((n) => n + 1),
                          (e: unknown) => setError(String(e)),
                        );
                    }}
                  >
                    Delete
                  </button>
                ) : null}
              </div>
            </div>
          );
        })}
        {shown.length === 0 ? (
          <p class="muted">No budgets yet: add one to see spend against it live.</p>
        ) : null}
        {editable && api ? (
          <BudgetForm
            tz={tz}
            create={async (input) => {
              const b = await api.create(input);
              setReload((n) => n + 1);
              return b;
            }}
          />
        ) : null}
      </div>
    </Panel>
  );
}
