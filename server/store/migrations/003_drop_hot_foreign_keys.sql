-- The hot write path checked runtimes once per event row and once per rollup row. Ownership is checked before a
-- call is queued and runtimes are never deleted, so these checks only cost time (about 15% of a commit).
ALTER TABLE usage_events DROP CONSTRAINT IF EXISTS usage_events_runtime_id_fkey;
ALTER TABLE usage_hourly DROP CONSTRAINT IF EXISTS usage_hourly_runtime_id_fkey;
