-- Per-runtime coarse rollups (rollups-coarse.ts): the same sums and cost columns as the fine rollup, per runtime ×
-- provider × model (no project, user or session), per UTC hour and per UTC date, kept in the same statements as the
-- others, so exact at every commit. A runtime's views, `group_by=runtime` and the workspace's default shape read
-- them whenever no attribution is asked for: a busy runtime's 90 days are 90 × models rows in a zone whose days
-- are UTC days and 24 × 90 × models elsewhere, where the quarter-hour rollup holds about one row per event.
-- The same columns as the workspace levels (migration 008), scoped by runtime.
CREATE TABLE usage_runtime_hourly (LIKE usage_workspace_hourly);
ALTER TABLE usage_runtime_hourly RENAME COLUMN workspace_id TO runtime_id;
ALTER TABLE usage_runtime_hourly ADD PRIMARY KEY (runtime_id, hour, provider, model);
CREATE TABLE usage_runtime_daily (LIKE usage_workspace_daily);
ALTER TABLE usage_runtime_daily RENAME COLUMN workspace_id TO runtime_id;
ALTER TABLE usage_runtime_daily ADD PRIMARY KEY (runtime_id, day, provider, model);

-- Filled from the fine rollup, which holds every winning event (also those retention has deleted since).
INSERT INTO usage_runtime_hourly
SELECT runtime_id, date_trunc('hour', bucket, 'UTC'), provider, model, sum(input_tokens), sum(output_tokens),
       sum(cache_read_tokens), sum(cache_write_tokens), sum(cost_usd), sum(agent_tokens), sum(unpriced_tokens)
FROM usage_quarter GROUP BY 1, 2, 3, 4;
INSERT INTO usage_runtime_daily
SELECT runtime_id, (hour AT TIME ZONE 'UTC')::date, provider, model, sum(input_tokens), sum(output_tokens),
       sum(cache_read_tokens), sum(cache_write_tokens), sum(cost_usd), sum(agent_tokens), sum(unpriced_tokens)
FROM usage_runtime_hourly GROUP BY 1, 2, 3, 4;
