-- An event may carry up to 2^53-1 tokens per kind, so 1,025 of them in one hour passed what bigint holds and every
-- later event of that runtime, hour and model was refused. The rollup holds sums, so it takes numeric (exact, no
-- bound); events and daily totals stay bigint, as one value never exceeds the per-event bound.
ALTER TABLE usage_hourly
  ALTER COLUMN input_tokens TYPE numeric,
  ALTER COLUMN output_tokens TYPE numeric,
  ALTER COLUMN cache_read_tokens TYPE numeric,
  ALTER COLUMN cache_write_tokens TYPE numeric;
