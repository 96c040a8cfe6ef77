-- The runtime levels hold the hours before a watermark, `levels_from` (a UTC hour boundary; it only moves forward):
-- a commit writes its quarters at or after it to usage_quarter and the workspace levels only, and the roll step
-- (runtime-levels.ts) adds usage_quarter's rows of the hours it passes to both levels and moves it, in one
-- transaction, under an advisory lock every usage write holds shared. Readers read the two views below: the levels
-- before the watermark, usage_quarter grouped to the level's grain at or after it — in one statement, so one snapshot
-- sees each hour in exactly one of them.
--
-- The levels' tables move to usage_runtime_{hourly,daily}_rolled and the views take their old names, so a node of an
-- earlier version, which writes the open hour to the levels on every commit (beside a new node it would count twice),
-- fails instead: its write function, reprice and anything else writing usage_runtime_{hourly,daily} now write to a
-- view of a UNION, which Postgres refuses, the transaction rolls back, and the call is answered `unavailable` (its
-- daemon re-sends, to a new node once the old one is gone). Its readers read the views.
ALTER TABLE usage_runtime_hourly RENAME TO usage_runtime_hourly_rolled;
ALTER TABLE usage_runtime_daily RENAME TO usage_runtime_daily_rolled;

CREATE TABLE usage_runtime_levels (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  levels_from timestamptz NOT NULL
);
INSERT INTO usage_runtime_levels (levels_from) VALUES (date_trunc('hour', now(), 'UTC'));

-- The levels held every hour, also the open one and any future ones (clock skew): those now come from
-- usage_quarter, and the watermark's UTC date holds only its hours before the watermark.
DELETE FROM usage_runtime_hourly_rolled WHERE hour >= (SELECT levels_from FROM usage_runtime_levels);
DELETE FROM usage_runtime_daily_rolled
WHERE day >= (SELECT (levels_from AT TIME ZONE 'UTC')::date FROM usage_runtime_levels);
INSERT INTO usage_runtime_daily_rolled
SELECT runtime_id, (hour AT TIME ZONE 'UTC')::date, provider, model, sum(input_tokens), sum(output_tokens),
       sum(cache_read_tokens), sum(cache_write_tokens), sum(cost_usd), sum(agent_tokens), sum(unpriced_tokens)
FROM usage_runtime_hourly_rolled
WHERE hour >= (SELECT date_trunc('day', levels_from, 'UTC') FROM usage_runtime_levels)
GROUP BY 1, 2, 3, 4;

-- The watermark as readers read it: a STABLE function, so it reads the calling statement's snapshot (one snapshot
-- sees each hour in exactly one of the levels and the tail), and the planner, which evaluates stable functions when
-- it estimates, sees the tail is an hour or so of rows, not a third of usage_quarter (a subquery's value is unknown
-- to it), and reads it by the index below.
CREATE FUNCTION rh_levels_from() RETURNS timestamptz LANGUAGE sql STABLE PARALLEL SAFE
AS 'SELECT levels_from FROM usage_runtime_levels';

-- The tail (usage_quarter from the watermark on) in one index range for every runtime: by the primary key it was a
-- descent per runtime (200 for the benchmark's workspace, ~1.3 ms of its default first page). A commit adds an
-- entry only for a new quarter-hour row: `bucket` never changes, so updates of a row stay HOT.
CREATE INDEX usage_quarter_bucket ON usage_quarter (bucket);

-- What every reader of the runtime levels reads. A (runtime, date) row of the daily view may come twice on the
-- watermark's date (its hours before and after it): readers sum. The branches are a UNION ALL, so the planner pushes
-- a reader's runtime and time conditions into each; usage_quarter's part is one range of usage_quarter_bucket from
-- the watermark on.
CREATE VIEW usage_runtime_hourly AS
SELECT runtime_id, hour, provider, model, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
       cost_usd, agent_tokens, unpriced_tokens
FROM usage_runtime_hourly_rolled
UNION ALL
SELECT runtime_id, date_trunc('hour', bucket, 'UTC'), provider, model, sum(input_tokens), sum(output_tokens),
       sum(cache_read_tokens), sum(cache_write_tokens), sum(cost_usd), sum(agent_tokens), sum(unpriced_tokens)
FROM usage_quarter
WHERE bucket >= rh_levels_from()
GROUP BY 1, 2, 3, 4;

CREATE VIEW usage_runtime_daily AS
SELECT runtime_id, day, provider, model, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
       cost_usd, agent_tokens, unpriced_tokens
FROM usage_runtime_daily_rolled
UNION ALL
SELECT runtime_id, (bucket AT TIME ZONE 'UTC')::date, provider, model, sum(input_tokens), sum(output_tokens),
       sum(cache_read_tokens), sum(cache_write_tokens), sum(cost_usd), sum(agent_tokens), sum(unpriced_tokens)
FROM usage_quarter
WHERE bucket >= rh_levels_from()
GROUP BY 1, 2, 3, 4;
