/**
 * Budgets on one hub node: the usage-commit hook (spend and crossings in the usage's own transaction), the
 * operations REST calls, and the background work every node shares — reloading the budgets, due recomputes,
 * alert delivery and the throttled `budget` events.
 */
import type { Logger } from 'pino';
import type { Budget, BudgetAlert, BudgetInput, BudgetPatch, BudgetState } from '../../shared';
import { HubError } from '../errors';
import type { IngestChanges, UsageCommitHook } from '../ingest/changes';
import type { Metrics } from '../observability/metrics';
import {
  addBudgetSpend,
  type BudgetRow,
  type Database,
  deleteBudget,
  getBudget,
  insertBudget,
  listAlerts,
  listBudgets,
  publicBudget,
  runtimeInWorkspace,
  type Sql,
  scheduleReconcile,
  updateBudget,
} from '../store';
import { AlertDelivery } from './delivery';
import { evaluate } from './evaluate';
import { periodAround } from './periods';
import { BudgetPublisher } from './publisher';
import { type Reconciled, reconcileNow, runReconciles } from './reconcile';
import { BudgetRegistry } from './registry';
import { budgetState } from './state';

export interface BudgetOptions {
  nodeId: string;
  version: string;
  /** Timeout of one webhook POST (its lease is derived from it). */
  webhookTimeoutMs: number;
  /** How often each node looks for budget changes, due recomputes and due alerts. */
  pollMs: number;
  /** A new or changed budget's period is recomputed again after this, when every node has seen the change. */
  reconcileGraceMs: number;
}

/** Budgets one workspace may hold: each adds work to every usage commit of the workspace. */
export const MAX_BUDGETS_PER_WORKSPACE = 100;

export const DEFAULT_BUDGET_OPTIONS = { webhookTimeoutMs: 10_000, pollMs: 1_000, reconcileGraceMs: 15_000 };

export class BudgetService {
  private readonly registry: BudgetRegistry;
  private readonly publisher: BudgetPublisher;
  private readonly delivery: AlertDelivery;
  private reconciles = { wake: () => {}, stop: () => {} };

  constructor(
    private readonly db: Database,
    changes: IngestChanges,
    private readonly metrics: Metrics,
    private readonly logger: Logger,
    private readonly options: BudgetOptions,
  ) {
    this.registry = new BudgetRegistry(db, logger, options.pollMs);
    // A commit of workspaces without budgets has nothing to record here: ingest may then skip its transaction block.
    this.onUsageCommit.appliesTo = (workspaceIds) => this.registry.anyIn(workspaceIds);
    this.publisher = new BudgetPublisher(db, changes, (id) => this.registry.find(id), logger);
    this.delivery = new AlertDelivery(
      db,
      { ...options, timeoutMs: options.webhookTimeoutMs },
      metrics,
      logger,
    );
  }

  async start(): Promise<void> {
    await this.registry.start();
    this.delivery.start();
    this.reconciles = runReconciles(this.db, this.options.pollMs, this.logger, (done) =>
      this.afterReconcile(done),
    );
  }

  async stop(): Promise<void> {
    this.registry.stop();
    this.reconciles.stop();
    this.publisher.stop();
    await this.delivery.stop();
  }

  /** The usage-commit hook: a map lookup for workspaces without budgets, one statement for those with. */
  readonly onUsageCommit: UsageCommitHook = async (tx, deltas, workspaceOf) => {
    if (!this.registry.anyIn(workspaceOf.values())) return undefined;
    const { increments, straddled, evaluated } = evaluate(deltas, (runtimeId) => {
      const ws = workspaceOf.get(runtimeId);
      return ws === undefined ? [] : this.registry.of(ws);
    });
    this.metrics.budgetsEvaluated.inc(evaluated);
    const changed = await addBudgetSpend(tx, increments);
    await scheduleReconcile(tx, straddled);
    if (changed.length === 0 && straddled.length === 0) return undefined;
    return () => {
      const crossings = changed.reduce((n, c) => n + c.crossed.length, 0);
      this.metrics.budgetCrossings.inc(crossings);
      if (crossings > 0) this.delivery.wake();
      if (straddled.length > 0) this.reconciles.wake();
      this.publisher.touched(new Set(changed.map((c) => c.budget_id)));
    };
  };

  async list(workspaceId: string): Promise<Budget[]> {
    return (await listBudgets(this.db, workspaceId)).map(publicBudget);
  }

  async get(workspaceId: string, id: string): Promise<Budget> {
    return publicBudget(await this.own(this.db, workspaceId, id));
  }

  async create(workspaceId: string, input: BudgetInput): Promise<Budget> {
    await this.checkScope(workspaceId, input.scope);
    if ((await listBudgets(this.db, workspaceId)).length >= MAX_BUDGETS_PER_WORKSPACE)
      throw new HubError(
        'invalid_payload',
        `this workspace already has ${MAX_BUDGETS_PER_WORKSPACE} budgets, the most it may hold; delete one first`,
      );
    const current = periodAround({ period: input.period, tz: input.tz });
    const budget = await this.db.transaction(async (tx) => {
      const b = await insertBudget(tx, workspaceId, input, current.startDate);
      await scheduleReconcile(
        tx,
        [{ budget_id: b.id, period_start: current.startDate }],
        this.options.reconcileGraceMs,
      );
      return b;
    });
    await this.settle(budget, current.startDate);
    return publicBudget(budget);
  }

  async update(workspaceId: string, id: string, patch: BudgetPatch): Promise<Budget> {
    if (patch.scope) await this.checkScope(workspaceId, patch.scope);
    const budget = await this.db.transaction(async (tx) => {
      const before = await this.own(tx, workspaceId, id, true);
      const calendar = { period: patch.period ?? before.period, tz: patch.tz ?? before.tz };
      const recalendared =
        calendar.period !== before.period ||
        calendar.tz !== before.tz ||
        (patch.scope !== undefined &&
          (patch.scope.kind !== before.scope.kind || patch.scope.value !== before.scope.value));
      const current = periodAround(calendar).startDate;
      const b = await updateBudget(tx, id, patch, recalendared ? current : undefined);
      await scheduleReconcile(
        tx,
        [{ budget_id: b.id, period_start: current }],
        this.options.reconcileGraceMs,
      );
      return b;
    });
    await this.settle(budget, periodAround(budget).startDate);
    return publicBudget(budget);
  }

  async remove(workspaceId: string, id: string): Promise<{ id: string; deleted: true }> {
    const deleted = await this.db.transaction(async (tx) => {
      const b = await this.own(tx, workspaceId, id, true);
      await deleteBudget(tx, workspaceId, id);
      return { ...b, deleted: true };
    });
    this.registry.apply(deleted);
    return { id, deleted: true };
  }

  async state(workspaceId: string, id: string): Promise<BudgetState> {
    return budgetState(this.db, await this.own(this.db, workspaceId, id));
  }

  async alerts(workspaceId: string, id: string): Promise<BudgetAlert[]> {
    await this.own(this.db, workspaceId, id);
    return listAlerts(this.db, id);
  }

  /** After a budget write: this node knows it at once, its current period is exact, dashboards hear of it. */
  private async settle(b: BudgetRow, periodStart: string): Promise<void> {
    this.registry.apply(b);
    this.afterReconcile([await reconcileNow(this.db, b, periodStart)]);
  }

  private afterReconcile(done: Reconciled[]): void {
    const crossings = done.reduce((n, r) => n + r.crossed.length, 0);
    this.metrics.budgetCrossings.inc(crossings);
    if (crossings > 0) this.delivery.wake();
    this.publisher.touched(new Set(done.map((r) => r.budget_id)));
  }

  private async own(sql: Sql, workspaceId: string, id: string, lock = false): Promise<BudgetRow> {
    const b = await getBudget(sql, workspaceId, id, lock);
    if (!b) throw new HubError('not_found', 'budget not found');
    return b;
  }

  private async checkScope(workspaceId: string, scope: BudgetInput['scope']): Promise<void> {
    if (scope.kind === 'runtime' && !(await runtimeInWorkspace(this.db, workspaceId, scope.value!)))
      throw new HubError('invalid_payload', 'scope.value: no runtime with this id in the workspace');
  }
}
