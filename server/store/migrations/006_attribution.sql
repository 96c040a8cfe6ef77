-- Attribution: each usage event may name its project, session and user, and the rollup keeps them apart.
ALTER TABLE usage_events
  ADD COLUMN project text,
  ADD COLUMN session_id text,
  -- `user` on the wire; a reserved word in SQL.
  ADD COLUMN user_name text;

-- Exact sums of the winning events per UTC quarter-hour × provider × model × project × user × session, kept in
-- the same statement as the event writes. Every real zone's offset is a multiple of 15 minutes, so a local day is
-- a whole number of quarter-hours in any zone: history views read this (and daily totals), never raw events.
-- A missing dimension is '' (NOT NULL, so the primary key holds); views show it as "(none)".
CREATE TABLE usage_quarter (
  runtime_id uuid NOT NULL,
  bucket timestamptz NOT NULL,
  provider text NOT NULL,
  model text NOT NULL,
  project text NOT NULL,
  user_name text NOT NULL,
  session_id text NOT NULL,
  input_tokens numeric NOT NULL,
  output_tokens numeric NOT NULL,
  cache_read_tokens numeric NOT NULL,
  cache_write_tokens numeric NOT NULL,
  cost_usd numeric NOT NULL DEFAULT 0,
  agent_tokens numeric NOT NULL DEFAULT 0,
  unpriced_tokens numeric NOT NULL DEFAULT 0,
  PRIMARY KEY (runtime_id, bucket, provider, model, project, user_name, session_id)
);

-- Every winning event is still stored, so the new rollup is rebuilt from them exactly (costs summed the way
-- usage-writes.ts sums them: known cost, agent-priced tokens, unpriced tokens).
INSERT INTO usage_quarter
SELECT runtime_id, date_bin('15 minutes', ts, timestamptz '2000-01-01 00:00:00+00'), provider, model,
       coalesce(project, ''), coalesce(user_name, ''), coalesce(session_id, ''),
       sum(input_tokens), sum(output_tokens), sum(cache_read_tokens), sum(cache_write_tokens),
       sum(coalesce(cost_usd, 0)),
       sum(CASE WHEN cost_source = 'agent'
           THEN input_tokens + output_tokens + cache_read_tokens + cache_write_tokens ELSE 0 END),
       sum(CASE WHEN cost_usd IS NULL
           THEN input_tokens + output_tokens + cache_read_tokens + cache_write_tokens ELSE 0 END)
FROM usage_events
GROUP BY 1, 2, 3, 4, 5, 6, 7;

DROP TABLE usage_hourly;
