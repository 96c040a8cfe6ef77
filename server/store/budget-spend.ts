/**
 * Budget spend per period: the increments a usage commit adds (in that commit's transaction, recording each
 * threshold crossing as an alert row, UNIQUE per budget × period × threshold, so exactly once), the exact recompute
 * from the usage tables (a new or changed budget, an ambiguous hour), and the reads of the live state.
 */
import type { BudgetScopeKind } from '../../shared';
import type { Sql } from './database';

/** The cost one commit adds to one budget period (several per pair are summed in SQL, exactly). */
export interface SpendIncrement {
  budget_id: string;
  /** Local date the period starts on. */
  period_start: string;
  cost_usd: number;
}

/** A period whose spend changed, and the thresholds that change crossed for the first time. */
export interface SpendChange {
  budget_id: string;
  period_start: string;
  spent_usd: number;
  crossed: number[];
}

export interface PeriodKey {
  budget_id: string;
  period_start: string;
}

/** What a spend query counts: a workspace's usage narrowed to one runtime, provider or model. */
export interface SpendScope {
  workspace_id: string;
  kind: BudgetScopeKind;
  value?: string;
}

/**
 * Inserts an alert row per threshold the source's periods reached; `src` yields (budget_id, period_start, spent_usd).
 * `created_at` is the clock when the row is written, after the period's row lock: the transaction's start (`now()`)
 * would let a commit that began earlier but crossed later log its threshold as older than the one before it.
 */
const recordCrossings = (src: string) =>
  `INSERT INTO budget_alerts (budget_id, workspace_id, period_start, threshold, spent_usd, status, created_at)
   SELECT p.budget_id, b.workspace_id, p.period_start, t.threshold, p.spent_usd,
          CASE WHEN b.webhook_url IS NULL THEN 'no_webhook' ELSE 'pending' END, clock_timestamp()
   FROM ${src} p
   JOIN budgets b ON b.id = p.budget_id AND b.deleted_at IS NULL
   CROSS JOIN LATERAL unnest(b.thresholds) AS t(threshold)
   WHERE p.spent_usd >= b.amount_usd * t.threshold / 100
   ORDER BY t.threshold
   ON CONFLICT (budget_id, period_start, threshold) DO NOTHING
   RETURNING budget_id, to_char(period_start, 'YYYY-MM-DD') AS period_start, threshold::float8 AS threshold`;

/**
 * Adds the increments to their periods (rows created as needed, taken in a fixed order so concurrent commits do not
 * deadlock) and records the thresholds crossed, in one statement. Call inside the usage commit's transaction.
 * Costs travel as their shortest decimal text and are summed as numeric, so no float error accumulates.
 */
export async function addBudgetSpend(tx: Sql, increments: SpendIncrement[]): Promise<SpendChange[]> {
  if (increments.length === 0) return [];
  const rows = await tx.query<{
    budget_id: string;
    period_start: string;
    spent_usd: number;
    crossed: number[];
  }>(
    `WITH input AS (
       SELECT budget_id, period_start, sum(cost) AS cost
       FROM unnest($1::uuid[], $2::date[], $3::numeric[]) AS t(budget_id, period_start, cost)
       GROUP BY budget_id, period_start
     ),
     added AS (
       INSERT INTO budget_periods AS p (budget_id, period_start, spent_usd)
       SELECT i.budget_id, i.period_start, i.cost FROM input i
       JOIN budgets b ON b.id = i.budget_id AND b.deleted_at IS NULL
       ORDER BY i.budget_id, i.period_start
       ON CONFLICT (budget_id, period_start) DO UPDATE
         SET spent_usd = p.spent_usd + excluded.spent_usd, updated_at = now()
       RETURNING p.budget_id, p.period_start, p.spent_usd
     ),
     crossed AS (${recordCrossings('added')})
     SELECT a.budget_id, to_char(a.period_start, 'YYYY-MM-DD') AS period_start, a.spent_usd::float8 AS spent_usd,
            coalesce((SELECT array_agg(c.threshold ORDER BY c.threshold) FROM crossed c
                      WHERE c.budget_id = a.budget_id AND c.period_start = to_char(a.period_start, 'YYYY-MM-DD')),
                     '{}') AS crossed
     FROM added a`,
    [
      increments.map((i) => i.budget_id),
      increments.map((i) => i.period_start),
      increments.map((i) => String(i.cost_usd)),
    ],
  );
  return rows;
}

/** Schedules an exact recompute of these periods at `delayMs` from now (rows created as needed; repeats are one). */
export async function scheduleReconcile(tx: Sql, periods: PeriodKey[], delayMs = 0): Promise<void> {
  if (periods.length === 0) return;
  await tx.query(
    `INSERT INTO budget_periods AS p (budget_id, period_start, reconcile_at)
     SELECT DISTINCT budget_id, period_start, now() + $3 * interval '1 millisecond'
     FROM unnest($1::uuid[], $2::date[]) AS t(budget_id, period_start)
     ORDER BY budget_id, period_start
     ON CONFLICT (budget_id, period_start) DO UPDATE
       SET reconcile_at = least(coalesce(p.reconcile_at, excluded.reconcile_at), excluded.reconcile_at)`,
    [periods.map((p) => p.budget_id), periods.map((p) => p.period_start), delayMs],
  );
}

/**
 * Schedules a recompute of every counted period of every live budget (after `reprice` rewrote stored costs, which
 * no usage commit reported); running hubs do them within a poll. Returns how many were scheduled.
 */
export async function scheduleAllReconciles(sql: Sql): Promise<number> {
  const rows = await sql.query<{ n: number }>(
    `WITH due AS (
       UPDATE budget_periods p SET reconcile_at = now()
       FROM budgets b
       WHERE b.id = p.budget_id AND b.deleted_at IS NULL AND p.period_start >= b.tracked_from
       RETURNING 1
     ) SELECT count(*)::int AS n FROM due`,
  );
  return rows[0]!.n;
}

/** Up to `limit` periods due for a recompute, locked (others skip them) for the rest of the transaction. */
export async function claimDueReconciles(tx: Sql, limit: number): Promise<PeriodKey[]> {
  return tx.query<PeriodKey>(
    `SELECT budget_id, to_char(period_start, 'YYYY-MM-DD') AS period_start FROM budget_periods
     WHERE reconcile_at <= now() ORDER BY reconcile_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
    [limit],
  );
}

/** Locks one period row (creating it), so commits adding to it wait until the recompute is written. */
export async function lockPeriod(tx: Sql, key: PeriodKey): Promise<void> {
  await tx.query(
    `INSERT INTO budget_periods (budget_id, period_start) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
    [key.budget_id, key.period_start],
  );
  await tx.query('SELECT 1 FROM budget_periods WHERE budget_id = $1 AND period_start = $2 FOR UPDATE', [
    key.budget_id,
    key.period_start,
  ]);
}

/** The bounds of a period for an exact spend query: instants (ms) and local dates (end exclusive). */
export interface SpendWindow {
  start: number;
  end: number;
  startDate: string;
  endDate: string;
}

/** SQL narrowing rows of alias `s` to a scope; parameters $1 workspace, $2 kind, $3 value. */
const inScope = (s: string) =>
  `${s}.runtime_id IN (SELECT id FROM runtimes WHERE workspace_id = $1 AND ($2 <> 'runtime' OR id::text = $3))
   AND ($2 <> 'provider' OR ${s}.provider = $3) AND ($2 <> 'model' OR ${s}.model = $3)`;

/**
 * The exact spend of a scope in a window, as the usage views count it: the quarter-hour rollup inside the window
 * (every zone's local midnight is a UTC quarter-hour, so a period is a whole number of quarters) and the daily
 * totals by their date.
 */
export async function spendIn(sql: Sql, scope: SpendScope, w: SpendWindow): Promise<number> {
  const rows = await sql.query<{ spent: number }>(
    `SELECT coalesce(sum(cost), 0)::float8 AS spent FROM (
       SELECT q.cost_usd AS cost FROM usage_quarter q
       WHERE ${inScope('q')} AND q.bucket >= $4 AND q.bucket < $5
       UNION ALL
       SELECT coalesce(d.cost_usd, 0) FROM usage_daily_totals d
       WHERE ${inScope('d')} AND d.date >= $6::date AND d.date < $7::date
     ) s`,
    [
      scope.workspace_id,
      scope.kind,
      scope.value ?? '',
      new Date(w.start).toISOString(),
      new Date(w.end).toISOString(),
      w.startDate,
      w.endDate,
    ],
  );
  return rows[0]!.spent;
}

/**
 * Writes a recomputed spend into a locked period, records the thresholds it reached, and clears a due recompute
 * (a later scheduled one stays). Returns the thresholds crossed for the first time.
 */
export async function setPeriodSpend(tx: Sql, key: PeriodKey, spent: number): Promise<number[]> {
  await tx.query(
    `UPDATE budget_periods SET spent_usd = $3::numeric, updated_at = now(),
       reconcile_at = CASE WHEN reconcile_at <= now() THEN NULL ELSE reconcile_at END
     WHERE budget_id = $1 AND period_start = $2`,
    [key.budget_id, key.period_start, String(spent)],
  );
  const crossed = await tx.query<{ threshold: number }>(
    recordCrossings(`(SELECT $1::uuid AS budget_id, $2::date AS period_start, $3::numeric AS spent_usd)`),
    [key.budget_id, key.period_start, String(spent)],
  );
  return crossed.map((c) => c.threshold).sort((a, b) => a - b);
}

/** The stored spend of one period (0 when nothing was counted) and the thresholds it crossed. */
export async function periodSpend(
  sql: Sql,
  key: PeriodKey,
): Promise<{ spent_usd: number; crossed: number[] }> {
  const rows = await sql.query<{ spent_usd: number; crossed: number[] }>(
    `SELECT coalesce((SELECT spent_usd FROM budget_periods WHERE budget_id = $1 AND period_start = $2), 0)::float8
              AS spent_usd,
            coalesce((SELECT array_agg(threshold::float8 ORDER BY threshold) FROM budget_alerts
                      WHERE budget_id = $1 AND period_start = $2), '{}') AS crossed`,
    [key.budget_id, key.period_start],
  );
  return rows[0]!;
}

/** Known cost per UTC hour of a scope in [since, until) (ms; no end when absent): a projection's history. */
export async function hourlySpend(
  sql: Sql,
  scope: SpendScope,
  since: number,
  until?: number,
): Promise<{ hour: number; cost: number }[]> {
  return sql.query<{ hour: number; cost: number }>(
    `SELECT floor(extract(epoch FROM q.bucket) / 3600)::float8 * 3600000 AS hour, sum(q.cost_usd)::float8 AS cost
     FROM usage_quarter q
     WHERE ${inScope('q')} AND q.bucket >= $4 AND ($5::timestamptz IS NULL OR q.bucket < $5)
     GROUP BY 1`,
    [
      scope.workspace_id,
      scope.kind,
      scope.value ?? '',
      new Date(since).toISOString(),
      until === undefined ? null : new Date(until).toISOString(),
    ],
  );
}
