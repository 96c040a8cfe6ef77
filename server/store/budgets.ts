/**
 * Budgets as stored: create, read, change and (softly) delete them per workspace, and what every node reads to keep
 * its in-memory copy current.
 */
import type { Budget, BudgetInput, BudgetPatch, BudgetScope } from '../../shared';
import type { Sql } from './database';

/** A budget with what the hub needs beyond the wire shape. */
export interface BudgetRow extends Budget {
  workspace_id: string;
  /** First period counted (local date). */
  tracked_from: string;
  revision: number;
  deleted: boolean;
}

interface RawBudget {
  id: string;
  workspace_id: string;
  name: string;
  scope_kind: BudgetScope['kind'];
  scope_value: string | null;
  period: Budget['period'];
  tz: string;
  amount_usd: number;
  thresholds: number[];
  webhook_url: string | null;
  tracked_from: string;
  revision: number;
  deleted: boolean;
}

const COLUMNS = `id, workspace_id, name, scope_kind, scope_value, period, tz, amount_usd::float8 AS amount_usd,
  thresholds::float8[] AS thresholds, webhook_url, to_char(tracked_from, 'YYYY-MM-DD') AS tracked_from, revision,
  deleted_at IS NOT NULL AS deleted`;

function toBudget(r: RawBudget): BudgetRow {
  return {
    id: r.id,
    workspace_id: r.workspace_id,
    name: r.name,
    scope: r.scope_value === null ? { kind: r.scope_kind } : { kind: r.scope_kind, value: r.scope_value },
    period: r.period,
    tz: r.tz,
    amount_usd: r.amount_usd,
    thresholds: r.thresholds,
    ...(r.webhook_url === null ? {} : { webhook_url: r.webhook_url }),
    tracked_from: r.tracked_from,
    revision: r.revision,
    deleted: r.deleted,
  };
}

/** The wire shape of a stored budget. */
export function publicBudget(b: BudgetRow): Budget {
  const { workspace_id: _w, tracked_from: _t, revision: _r, deleted: _d, ...budget } = b;
  return budget;
}

export async function insertBudget(
  sql: Sql,
  workspaceId: string,
  input: BudgetInput,
  trackedFrom: string,
): Promise<BudgetRow> {
  const rows = await sql.query<RawBudget>(
    `INSERT INTO budgets (workspace_id, name, scope_kind, scope_value, period, tz, amount_usd, thresholds,
       webhook_url, tracked_from)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::numeric[], $9, $10) RETURNING ${COLUMNS}`,
    [
      workspaceId,
      input.name,
      input.scope.kind,
      input.scope.value ?? null,
      input.period,
      input.tz,
      input.amount_usd,
      input.thresholds,
      input.webhook_url ?? null,
      trackedFrom,
    ],
  );
  return toBudget(rows[0]!);
}

/** One live budget of the workspace, locked for the rest of the transaction when `lock`. */
export async function getBudget(
  sql: Sql,
  workspaceId: string,
  id: string,
  lock = false,
): Promise<BudgetRow | undefined> {
  const rows = await sql.query<RawBudget>(
    `SELECT ${COLUMNS} FROM budgets WHERE id = $1 AND workspace_id = $2 AND deleted_at IS NULL
     ${lock ? 'FOR UPDATE' : ''}`,
    [id, workspaceId],
  );
  return rows[0] && toBudget(rows[0]);
}

/** A budget by id alone, deleted or not (for work that found its id in another table). */
export async function budgetById(sql: Sql, id: string): Promise<BudgetRow | undefined> {
  const rows = await sql.query<RawBudget>(`SELECT ${COLUMNS} FROM budgets WHERE id = $1`, [id]);
  return rows[0] && toBudget(rows[0]);
}

export async function listBudgets(sql: Sql, workspaceId: string): Promise<BudgetRow[]> {
  const rows = await sql.query<RawBudget>(
    `SELECT ${COLUMNS} FROM budgets WHERE workspace_id = $1 AND deleted_at IS NULL ORDER BY created_at, id`,
    [workspaceId],
  );
  return rows.map(toBudget);
}

/** Applies a patch to a locked budget; `trackedFrom` restarts the tracked periods (scope, period or zone changed). */
export async function updateBudget(
  sql: Sql,
  id: string,
  patch: BudgetPatch,
  trackedFrom: string | undefined,
): Promise<BudgetRow> {
  const rows = await sql.query<RawBudget>(
    `UPDATE budgets SET
       name = coalesce($2, name),
       scope_kind = coalesce($3, scope_kind),
       scope_value = CASE WHEN $3::text IS NULL THEN scope_value ELSE $4 END,
       period = coalesce($5, period),
       tz = coalesce($6, tz),
       amount_usd = coalesce($7, amount_usd),
       thresholds = coalesce($8::numeric[], thresholds),
       webhook_url = CASE WHEN $9 THEN $10 ELSE webhook_url END,
       tracked_from = coalesce($11::date, tracked_from),
       revision = nextval('budget_revision'),
       updated_at = now()
     WHERE id = $1 RETURNING ${COLUMNS}`,
    [
      id,
      patch.name ?? null,
      patch.scope?.kind ?? null,
      patch.scope?.value ?? null,
      patch.period ?? null,
      patch.tz ?? null,
      patch.amount_usd ?? null,
      patch.thresholds ?? null,
      patch.webhook_url !== undefined,
      patch.webhook_url ?? null,
      trackedFrom ?? null,
    ],
  );
  // A new calendar or scope: periods from the new first one on are counted afresh (recomputed by the caller).
  if (trackedFrom)
    await sql.query('DELETE FROM budget_periods WHERE budget_id = $1 AND period_start >= $2', [
      id,
      trackedFrom,
    ]);
  return toBudget(rows[0]!);
}

/** Deletes a budget (softly, see the migration) and cancels its undelivered alerts; false when there is none. */
export async function deleteBudget(sql: Sql, workspaceId: string, id: string): Promise<boolean> {
  const rows = await sql.query<{ id: string }>(
    `UPDATE budgets SET deleted_at = now(), revision = nextval('budget_revision'), updated_at = now()
     WHERE id = $1 AND workspace_id = $2 AND deleted_at IS NULL RETURNING id`,
    [id, workspaceId],
  );
  if (rows.length === 0) return false;
  await sql.query(
    `UPDATE budget_alerts SET status = 'cancelled', lease_until = NULL WHERE budget_id = $1 AND status = 'pending'`,
    [id],
  );
  return true;
}

/**
 * A value that changes whenever any budget is created, changed or deleted (every write takes a new revision from a
 * sequence, so the sum moves), cheap to poll. A "revision > last seen" feed would miss a write whose transaction
 * took an earlier revision but committed later.
 */
export async function budgetsFingerprint(sql: Sql): Promise<string> {
  const rows = await sql.query<{ f: string }>(
    `SELECT count(*)::text || '/' || coalesce(sum(revision), 0)::text AS f FROM budgets`,
  );
  return rows[0]!.f;
}

/** Every live budget of every workspace: what each node keeps in memory for its usage commits. */
export async function allLiveBudgets(sql: Sql): Promise<BudgetRow[]> {
  const rows = await sql.query<RawBudget>(`SELECT ${COLUMNS} FROM budgets WHERE deleted_at IS NULL`);
  return rows.map(toBudget);
}

/** True when the runtime exists in the workspace (a runtime budget's scope). */
export async function runtimeInWorkspace(sql: Sql, workspaceId: string, runtimeId: string): Promise<boolean> {
  const rows = await sql.query('SELECT 1 FROM runtimes WHERE id = $1 AND workspace_id = $2', [
    runtimeId,
    workspaceId,
  ]);
  return rows.length > 0;
}
