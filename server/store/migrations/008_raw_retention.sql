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
