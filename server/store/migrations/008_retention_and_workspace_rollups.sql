-- Raw usage events are kept for RAW_RETENTION_DAYS; the rollups are kept forever. `raw_before` is the horizon the
-- retention job has sealed: raw events before it are deleted (in batches, after the horizon commits), and the write
-- path ignores events before it, because a late re-send of a deleted event could not be told from a new one and
-- would be counted twice. It only moves forward; '-infinity' until the job first runs.
CREATE TABLE usage_retention (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  raw_before timestamptz NOT NULL DEFAULT '-infinity'
);
INSERT INTO usage_retention DEFAULT VALUES;

-- The job finds old events by time. Events arrive roughly in time order, so a block-range index is a few pages
-- for millions of rows and costs ingest next to nothing (a B-tree on ts would be a tenth of the table, written on
-- every insert).
CREATE INDEX usage_events_ts_brin ON usage_events USING brin (ts) WITH (autosummarize = on);

-- Coarse rollups (rollups-coarse.ts): the same sums and cost columns as the fine rollup, per workspace × provider ×
-- model, per UTC hour and per UTC date, kept in the same statements, so exact at every commit. The workspace's
-- model view over a year reads 24 × 365 × models rows whatever the size of the fleet (one row a day in a zone whose
-- days are UTC days).
CREATE TABLE usage_workspace_hourly (
  workspace_id uuid NOT NULL,
  hour timestamptz NOT NULL,
  provider text NOT NULL,
  model text NOT NULL,
  input_tokens numeric NOT NULL,
  output_tokens numeric NOT NULL,
  cache_read_tokens numeric NOT NULL,
  cache_write_tokens numeric NOT NULL,
  cost_usd numeric NOT NULL,
  agent_tokens numeric NOT NULL,
  unpriced_tokens numeric NOT NULL,
  PRIMARY KEY (workspace_id, hour, provider, model)
);
CREATE TABLE usage_workspace_daily (
  workspace_id uuid NOT NULL,
  day date NOT NULL,
  provider text NOT NULL,
  model text NOT NULL,
  input_tokens numeric NOT NULL,
  output_tokens numeric NOT NULL,
  cache_read_tokens numeric NOT NULL,
  cache_write_tokens numeric NOT NULL,
  cost_usd numeric NOT NULL,
  agent_tokens numeric NOT NULL,
  unpriced_tokens numeric NOT NULL,
  PRIMARY KEY (workspace_id, day, provider, model)
);

-- Filled from the fine rollup, which holds every winning event.
CREATE TEMP VIEW fine AS
  SELECT r.workspace_id, q.bucket AS at, q.provider, q.model, q.input_tokens, q.output_tokens,
         q.cache_read_tokens, q.cache_write_tokens, q.cost_usd, q.agent_tokens, q.unpriced_tokens
  FROM usage_quarter q JOIN runtimes r ON r.id = q.runtime_id;
INSERT INTO usage_workspace_hourly
SELECT workspace_id, date_trunc('hour', at, 'UTC'), provider, model, sum(input_tokens), sum(output_tokens), sum(cache_read_tokens), sum(cache_write_tokens),
       sum(cost_usd), sum(agent_tokens), sum(unpriced_tokens)
FROM fine GROUP BY 1, 2, 3, 4;
INSERT INTO usage_workspace_daily
SELECT workspace_id, (at AT TIME ZONE 'UTC')::date, provider, model, sum(input_tokens), sum(output_tokens), sum(cache_read_tokens), sum(cache_write_tokens),
       sum(cost_usd), sum(agent_tokens), sum(unpriced_tokens)
FROM fine GROUP BY 1, 2, 3, 4;
DROP VIEW fine;
