-- Workspaces, their tokens, runtimes, usage (raw events + hourly rollup + daily totals) and tasks.

CREATE TABLE workspaces (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Only a SHA-256 of each token is kept; the token itself is shown once at creation.
CREATE TABLE tokens (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  role text NOT NULL CHECK (role IN ('member', 'daemon')),
  name text NOT NULL DEFAULT '',
  token_hash bytea NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

CREATE TABLE runtimes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  workspace_id uuid NOT NULL REFERENCES workspaces (id),
  daemon_id uuid NOT NULL,
  provider text NOT NULL,
  name text NOT NULL,
  runtime_mode text NOT NULL CHECK (runtime_mode IN ('local', 'cloud')),
  status text NOT NULL DEFAULT 'offline' CHECK (status IN ('online', 'offline')),
  device_info text NOT NULL DEFAULT '',
  metadata jsonb NOT NULL DEFAULT '{}',
  -- The connection ("node:socket", or "rest") that holds the runtime online; only it may take it offline.
  presence_owner text,
  last_seen_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (workspace_id, daemon_id, provider)
);
CREATE INDEX runtimes_online_last_seen ON runtimes (last_seen_at) WHERE status = 'online';

-- One row per metered turn; the row with the larger total wins (see usage-writes.ts).
CREATE TABLE usage_events (
  runtime_id uuid NOT NULL REFERENCES runtimes (id),
  id text NOT NULL,
  ts timestamptz NOT NULL,
  provider text NOT NULL,
  model text NOT NULL,
  input_tokens bigint NOT NULL,
  output_tokens bigint NOT NULL,
  cache_read_tokens bigint NOT NULL,
  cache_write_tokens bigint NOT NULL,
  task_id text,
  PRIMARY KEY (runtime_id, id)
);

-- Exact sums of the winning events per UTC hour, kept in the same transaction as the event writes, so history
-- views read at most 24 × days rows per model instead of scanning events.
CREATE TABLE usage_hourly (
  runtime_id uuid NOT NULL REFERENCES runtimes (id),
  hour timestamptz NOT NULL,
  provider text NOT NULL,
  model text NOT NULL,
  input_tokens bigint NOT NULL,
  output_tokens bigint NOT NULL,
  cache_read_tokens bigint NOT NULL,
  cache_write_tokens bigint NOT NULL,
  PRIMARY KEY (runtime_id, hour, provider, model)
);

-- The older daily-totals format: the latest report per (runtime, date, provider, model) replaces the earlier.
CREATE TABLE usage_daily_totals (
  runtime_id uuid NOT NULL REFERENCES runtimes (id),
  date date NOT NULL,
  provider text NOT NULL,
  model text NOT NULL,
  input_tokens bigint NOT NULL,
  output_tokens bigint NOT NULL,
  cache_read_tokens bigint NOT NULL,
  cache_write_tokens bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (runtime_id, date, provider, model)
);

CREATE TABLE tasks (
  runtime_id uuid NOT NULL REFERENCES runtimes (id),
  id text NOT NULL,
  status text NOT NULL CHECK (status IN ('queued', 'running', 'completed', 'failed', 'cancelled')),
  created_at timestamptz NOT NULL,
  started_at timestamptz,
  completed_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (runtime_id, id)
);
CREATE INDEX tasks_activity ON tasks (runtime_id, (coalesce(started_at, created_at)));
