/**
 * Each node's in-memory copy of the live budgets, by workspace, so a usage commit of a workspace without budgets
 * costs a map lookup and nothing else. Kept current by polling a fingerprint of the budgets table (one tiny query a
 * second) and reloading when it moves; writes made on this node are applied at once. A commit on a node that has
 * not yet seen a new budget misses it for at most a poll: the budget's period is recomputed exactly after a grace
 * period for that reason (see reconcile.ts).
 */
import type { Logger } from 'pino';
import { allLiveBudgets, type BudgetRow, budgetsFingerprint, type Database } from '../store';

export class BudgetRegistry {
  private byWorkspace = new Map<string, BudgetRow[]>();
  private byId = new Map<string, BudgetRow>();
  private fingerprint = '';
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly pollMs: number,
  ) {}

  /** Live budgets of a workspace (an empty list when it has none). */
  of(workspaceId: string): readonly BudgetRow[] {
    return this.byWorkspace.get(workspaceId) ?? [];
  }

  /** A live budget by id. */
  find(id: string): BudgetRow | undefined {
    return this.byId.get(id);
  }

  /** True when any of these workspaces has a budget. */
  anyIn(workspaceIds: Iterable<string>): boolean {
    if (this.byWorkspace.size === 0) return false;
    for (const ws of workspaceIds) if (this.byWorkspace.has(ws)) return true;
    return false;
  }

  /** A write made on this node, applied before the next poll would see it. */
  apply(budget: BudgetRow): void {
    const others = this.of(budget.workspace_id).filter((b) => b.id !== budget.id);
    const next = budget.deleted ? others : [...others, budget];
    if (budget.deleted) this.byId.delete(budget.id);
    else this.byId.set(budget.id, budget);
    if (next.length === 0) this.byWorkspace.delete(budget.workspace_id);
    else this.byWorkspace.set(budget.workspace_id, next);
  }

  /** Loads every budget once; then polls. */
  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => {
      this.refresh().catch((err: unknown) => this.logger.warn({ err }, 'could not refresh budgets'));
    }, this.pollMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Reloads when the fingerprint moved. */
  async refresh(): Promise<void> {
    const fingerprint = await budgetsFingerprint(this.db);
    if (fingerprint === this.fingerprint) return;
    const budgets = await allLiveBudgets(this.db);
    const byWorkspace = new Map<string, BudgetRow[]>();
    for (const b of budgets) {
      const list = byWorkspace.get(b.workspace_id);
      if (list) list.push(b);
      else byWorkspace.set(b.workspace_id, [b]);
    }
    this.byWorkspace = byWorkspace;
    this.byId = new Map(budgets.map((b) => [b.id, b]));
    this.fingerprint = fingerprint;
  }
}
