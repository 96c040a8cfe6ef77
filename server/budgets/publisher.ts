/**
 * Pushes a budget's state to its workspace's dashboards (the `budget` event, through the ingest port) when its
 * spend changed or a threshold was crossed: at most once a second per budget, trailing, so the last change of a
 * burst is always shown. The state is read after the commit that changed it, so it is never older than the change.
 */
import type { Logger } from 'pino';
import type { IngestChanges } from '../ingest/changes';
import type { BudgetRow, Database } from '../store';
import { budgetState } from './state';

export class BudgetPublisher {
  private readonly lastAt = new Map<string, number>();
  private readonly due = new Map<string, NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly db: Database,
    private readonly changes: IngestChanges,
    private readonly find: (budgetId: string) => BudgetRow | undefined,
    private readonly logger: Logger,
    private readonly minIntervalMs = 1_000,
  ) {}

  /** These budgets changed: publish each once its interval allows. */
  touched(budgetIds: Iterable<string>): void {
    if (this.stopped) return;
    const now = Date.now();
    for (const id of budgetIds) {
      if (this.due.has(id)) continue;
      const wait = Math.max(0, (this.lastAt.get(id) ?? 0) + this.minIntervalMs - now);
      const timer = setTimeout(() => void this.publish(id), wait);
      timer.unref();
      this.due.set(id, timer);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.due.values()) clearTimeout(timer);
    this.due.clear();
  }

  private async publish(id: string): Promise<void> {
    this.due.delete(id);
    if (this.lastAt.size > 10_000) this.lastAt.clear();
    this.lastAt.set(id, Date.now());
    const budget = this.find(id);
    if (!budget) return;
    try {
      this.changes.budgetChanged(budget.workspace_id, await budgetState(this.db, budget));
    } catch (err) {
      // A missed live update only: dashboards read the state over REST when they (re)load.
      this.logger.warn({ err, budget: id }, 'could not publish a budget state');
    }
  }
}
