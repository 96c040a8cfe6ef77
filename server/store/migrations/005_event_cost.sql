-- Cost is priced per usage event at ingest, as of the event's date (tiers and 1-hour cache writes apply per
-- request), and summed into the rollups. An event keeps what its price depends on, so `runtime-hub reprice`
-- can recompute it exactly after the price table or overrides change. Events stored before this migration have
-- no cost yet (cost_source NULL, counted as unpriced): run `runtime-hub reprice` once after upgrading.
ALTER TABLE usage_events
  ADD COLUMN cache_write_1h_tokens bigint NOT NULL DEFAULT 0,
  ADD COLUMN speed text NOT NULL DEFAULT 'standard' CHECK (speed IN ('standard', 'fast')),
  -- What the agent reported itself; authoritative over the table when present.
  ADD COLUMN agent_cost_usd numeric,
  -- NULL when the model has no known price (never a silent 0).
  ADD COLUMN cost_usd numeric,
  ADD COLUMN cost_source text CHECK (cost_source IN ('agent', 'table'));

-- Per rollup row: the summed known cost, and the tokens priced by the agent or left unpriced, so a view can say
-- where its cost came from and return null (not a partial sum) when any token has no price.
ALTER TABLE usage_hourly
  ADD COLUMN cost_usd numeric NOT NULL DEFAULT 0,
  ADD COLUMN agent_tokens numeric NOT NULL DEFAULT 0,
  ADD COLUMN unpriced_tokens numeric NOT NULL DEFAULT 0;
UPDATE usage_hourly SET unpriced_tokens = input_tokens + output_tokens + cache_read_tokens + cache_write_tokens;

ALTER TABLE usage_daily_totals ADD COLUMN cost_usd numeric;
