/**
 * The alert rows as a webhook outbox. Any node claims due rows with a lease (`FOR UPDATE SKIP LOCKED`, so two
 * nodes never claim one row; a held lease keeps others off it until it expires), and records the outcome only
 * while it still holds the lease it claimed with.
 */
import type { BudgetAlert } from '../../shared';
import type { Sql } from './database';

/** A claimed alert: the row's lease is this node's until `lease_until`. */
export interface ClaimedAlert {
  id: string;
  budget_id: string;
  workspace_id: string;
  period_start: string;
  threshold: number;
  attempts: number;
  lease_until: string;
}

const ALERT_COLUMNS = `id, budget_id, to_char(period_start, 'YYYY-MM-DD') AS period_start, threshold::float8 AS threshold,
  spent_usd::float8 AS spent_usd, created_at, status, attempts, last_error, last_status,
  CASE WHEN status = 'pending' THEN next_attempt_at END AS next_attempt_at, sent_at`;

const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : v === null ? null : String(v));

/** The delivery log of a budget, newest first (at most `limit` rows). */
export async function listAlerts(sql: Sql, budgetId: string, limit = 200): Promise<BudgetAlert[]> {
  const rows = await sql.query<Record<string, unknown>>(
    `SELECT ${ALERT_COLUMNS} FROM budget_alerts WHERE budget_id = $1 ORDER BY created_at DESC, threshold DESC
     LIMIT $2`,
    [budgetId, limit],
  );
  return rows.map(
    (r) =>
      ({
        ...r,
        created_at: iso(r.created_at),
        next_attempt_at: iso(r.next_attempt_at),
        sent_at: iso(r.sent_at),
      }) as BudgetAlert,
  );
}

/**
 * Claims up to `limit` due alerts for `leaseMs`: pending, due, and not leased by a live sender. Each claim counts
 * as an attempt, so a node that dies mid-send still used one.
 */
export async function claimDueAlerts(
  sql: Sql,
  node: string,
  leaseMs: number,
  limit: number,
): Promise<ClaimedAlert[]> {
  return sql.query<ClaimedAlert>(
    `UPDATE budget_alerts a
     SET leased_by = $1, lease_until = now() + $2 * interval '1 millisecond', attempts = a.attempts + 1
     WHERE a.id IN (
       SELECT id FROM budget_alerts
       WHERE status = 'pending' AND next_attempt_at <= now() AND (lease_until IS NULL OR lease_until < now())
       ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED
     )
     RETURNING a.id, a.budget_id, a.workspace_id, to_char(a.period_start, 'YYYY-MM-DD') AS period_start,
               a.threshold::float8 AS threshold, a.attempts, a.lease_until::text AS lease_until`,
    [node, leaseMs, limit],
  );
}

export type DeliveryOutcome =
  | { ok: true; status: number }
  | { ok: false; status: number | null; error: string; retryInMs: number | null };

/**
 * Records a send's outcome if this node still holds the lease it claimed with; false if it lost it (then another
 * node owns the alert and this outcome is dropped). `retryInMs` null means give up (status `failed`).
 */
export async function recordDelivery(
  sql: Sql,
  alert: ClaimedAlert,
  node: string,
  outcome: DeliveryOutcome,
): Promise<boolean> {
  const rows = await sql.query(
    `UPDATE budget_alerts SET
       status = CASE WHEN $3 THEN 'sent' WHEN $6::int IS NULL THEN 'failed' ELSE 'pending' END,
       sent_at = CASE WHEN $3 THEN now() END,
       last_status = $4, last_error = $5,
       next_attempt_at = CASE WHEN $6::int IS NULL THEN next_attempt_at ELSE now() + $6 * interval '1 millisecond' END,
       leased_by = NULL, lease_until = NULL
     WHERE id = $1 AND leased_by = $2 AND lease_until = $7::timestamptz AND status = 'pending'
     RETURNING id`,
    [
      alert.id,
      node,
      outcome.ok,
      outcome.status,
      outcome.ok ? null : outcome.error.slice(0, 500),
      outcome.ok ? null : outcome.retryInMs,
      alert.lease_until,
    ],
  );
  return rows.length > 0;
}
