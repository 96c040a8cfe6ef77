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

-- The workspace's model view over a long window reads 24 × days × models rows here, whatever the fleet's size
-- (the per-runtime rollup holds a row per runtime as well). Same sums and cost columns as the per-runtime rollup,
-- kept in the same statements (rollups-coarse.ts), so it is exact at every commit.
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
INSERT INTO usage_workspace_hourly
SELECT r.workspace_id, h.hour, h.provider, h.model, sum(h.input_tokens), sum(h.output_tokens),
       sum(h.cache_read_tokens), sum(h.cache_write_tokens), sum(h.cost_usd), sum(h.agent_tokens),
       sum(h.unpriced_tokens)
FROM usage_hourly h JOIN runtimes r ON r.id = h.runtime_id
GROUP BY 1, 2, 3, 4;
