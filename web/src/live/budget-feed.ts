/**
 * Live `budget` events for the budget components, which keep their own small state (a workspace has few budgets)
 * instead of growing the page store: the socket hands each event here, the components listen.
 */
import type { BudgetState } from '../../../shared/budgets';

type Listener = (state: BudgetState) => void;

const listeners = new Set<Listener>();

export const budgetFeed = {
  emit(state: BudgetState): void {
    for (const l of listeners) l(state);
  },
  /** Returns the unsubscribe function. */
  subscribe(l: Listener): () => void {
    listeners.add(l);
    return () => listeners.delete(l);
  },
};
