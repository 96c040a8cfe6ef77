-- Budgets (issue 18): spend per period kept incrementally in the same transaction as the usage that caused it, and
-- one alert row per threshold crossed per period (UNIQUE: exactly once), which is also the webhook outbox.

-- Bumped on every budget change, so each node's in-memory copy of the budgets knows when to reload.
CREATE SEQUENCE budget_revision;

CREATE TABLE budgets (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  name text NOT NULL,
  scope_kind text NOT NULL CHECK (scope_kind IN ('workspace', 'runtime', 'provider', 'model')),
  scope_value text,
  period text NOT NULL CHECK (period IN ('day', 'week', 'month')),
  tz text NOT NULL,
  amount_usd numeric NOT NULL CHECK (amount_usd > 0),
  thresholds numeric[] NOT NULL,
  webhook_url text,
  -- The first period counted (local date in tz): spend before the budget existed (or before its scope, period or
  -- zone last changed) is not tracked in periods of its own.
  tracked_from date NOT NULL,
  revision bigint NOT NULL DEFAULT nextval('budget_revision'),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- Soft delete: a usage commit that read the budget just before it was deleted can still write its period row.
  deleted_at timestamptz
);
CREATE INDEX budgets_workspace ON budgets (workspace_id) WHERE deleted_at IS NULL;

CREATE TABLE budget_periods (
  budget_id uuid NOT NULL REFERENCES budgets (id),
  period_start date NOT NULL,
  spent_usd numeric NOT NULL DEFAULT 0,
  -- Set when the spend must be recomputed from the usage tables (a new or changed budget, a UTC hour that straddles
  -- the period's edge in a zone with a half-hour offset); any node does it once due.
  reconcile_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (budget_id, period_start)
);
CREATE INDEX budget_periods_reconcile ON budget_periods (reconcile_at) WHERE reconcile_at IS NOT NULL;

CREATE TABLE budget_alerts (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  budget_id uuid NOT NULL REFERENCES budgets (id),
  workspace_id uuid NOT NULL,
  period_start date NOT NULL,
  threshold numeric NOT NULL,
  spent_usd numeric NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  status text NOT NULL CHECK (status IN ('pending', 'sent', 'failed', 'no_webhook', 'cancelled')),
  attempts int NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  -- A sender holds the row until lease_until; past it (the sender died), another node may claim it.
  leased_by text,
  lease_until timestamptz,
  last_error text,
  last_status int,
  sent_at timestamptz,
  UNIQUE (budget_id, period_start, threshold)
);
CREATE INDEX budget_alerts_due ON budget_alerts (next_attempt_at) WHERE status = 'pending';
