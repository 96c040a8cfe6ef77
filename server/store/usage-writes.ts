/**
 * Usage writes: events (largest total wins per key), the quarter-hour rollup kept exact in the same statement, and
 * the older daily-totals rows. Each write returns the deltas it caused, which is exactly what dashboards must add.
 */
import {
  type DailyTotalsEntry,
  type Pricer,
  TOKEN_KINDS,
  type TokenCounts,
  totalOf,
  type UsageEvent,
} from '../../shared';
import type { Sql } from './database';

export interface RuntimeUsageEvent extends UsageEvent {
  runtime_id: string;
}

/** The cost a delta adds: known USD, and the tokens of unknown price (their cost is not in cost_usd). */
export interface CostDelta {
  cost_usd: number;
  unpriced_tokens: number;
}

/** What a write added to one rollup row (runtime × UTC quarter-hour × provider × model × attribution). */
export interface HourDelta extends TokenCounts, CostDelta {
  runtime_id: string;
  /** Start of the UTC hour holding the quarter (what the contract's `hour` names). */
  hour: Date;
  /** Start of the UTC quarter-hour. */
  at: Date;
  provider: string;
  model: string;
  /** Attribution; '' when the events carried none. */
  project: string;
  user_name: string;
  session_id: string;
}

export interface DateDelta extends TokenCounts, CostDelta {
  runtime_id: string;
  date: string;
  provider: string;
  model: string;
}

/** The token columns, in TOKEN_KINDS order, for column lists. */
const KIND_COLUMNS = TOKEN_KINDS.join(', ');
/** The attribution columns of events (nullable) and of the rollup key ('' for none). */
export const ATTRIBUTION_COLUMNS = ['project', 'user_name', 'session_id'] as const;
/** SQL of the rollup key's attribution values of the event row `alias`. */
const attributionKey = (alias: string) =>
  ATTRIBUTION_COLUMNS.map((c) => `coalesce(${alias}.${c}, '')`).join(', ');
const ATTRIBUTION = ATTRIBUTION_COLUMNS.join(', ');
/** SQL of the UTC quarter-hour holding `ts` (the rollup's bucket; every zone's days are whole quarters). */
export const quarterOf = (ts: string) =>
  `date_bin('15 minutes', ${ts}, timestamptz '2000-01-01 00:00:00+00')`;
/** SQL for the total (totalOf) of the row `alias`. */
const sumOf = (alias: string) => TOKEN_KINDS.map((c) => `${alias}.${c}`).join(' + ');
/** SQL for an event row's cost columns of the rollup: known cost, agent-priced tokens, unpriced tokens. */
export const eventCostColumns = (alias: string, sign = '') =>
  `${sign}coalesce(${alias}.cost_usd, 0), ` +
  `${sign}CASE WHEN ${alias}.cost_source = 'agent' THEN ${sumOf(alias)} ELSE 0 END, ` +
  `${sign}CASE WHEN ${alias}.cost_usd IS NULL THEN ${sumOf(alias)} ELSE 0 END`;
/** The event columns beyond the key, the time and the counts: what a price depends on, and the price. */
const PRICE_COLUMNS = 'cache_write_1h_tokens, speed, agent_cost_usd, cost_usd, cost_source';
/** The rollup's cost columns, in eventCostColumns order. */
const ROLLUP_COST = 'cost_usd, agent_tokens, unpriced_tokens';

/**
 * An event as its row is written: the agent's own cost moved aside, the effective cost priced as of its date.
 * Built field by field: a rest-spread copy made the hub's CPU per event several times larger (V8 dictionary
 * objects, slow to build and to stringify).
 */
function pricedRow(e: RuntimeUsageEvent, pricer: Pricer) {
  const cost = pricer.event(e);
  return {
    runtime_id: e.runtime_id,
    id: e.id,
    ts: e.ts,
    provider: e.provider,
    model: e.model,
    input_tokens: e.input_tokens,
    output_tokens: e.output_tokens,
    cache_read_tokens: e.cache_read_tokens,
    cache_write_tokens: e.cache_write_tokens,
    task_id: e.task_id,
    cache_write_1h_tokens: e.cache_write_1h_tokens ?? 0,
    speed: e.speed ?? 'standard',
    agent_cost_usd: e.cost_usd ?? null,
    cost_usd: cost.cost_usd,
    cost_source: cost.cost_source,
    // Undefined (no key in the JSON, NULL in the row) when the event carries none.
    project: e.project,
    user_name: e.user,
    session_id: e.session_id,
  };
}

/** Keeps one event per (runtime, id): the largest total, the first on a tie (as the table does). */
export function collapseByKey(events: RuntimeUsageEvent[]): RuntimeUsageEvent[] {
  const best = new Map<string, RuntimeUsageEvent>();
  for (const e of events) {
    const key = `${e.runtime_id}\u0000${e.id}`;
    const seen = best.get(key);
    if (!seen || totalOf(e) > totalOf(seen)) best.set(key, e);
  }
  return [...best.values()];
}

/**
 * Serialises writers of the same runtimes across nodes for the rest of the transaction, so the "old row" each
 * upsert reads is the one it replaces. Locks are taken in a fixed order to avoid deadlocks.
 */
export async function lockRuntimes(tx: Sql, runtimeIds: string[]): Promise<void> {
  const ids = [...new Set(runtimeIds)].sort();
  await tx.query(
    `SELECT pg_advisory_xact_lock(hashtextextended(id::text, 41)) FROM unnest($1::uuid[]) AS t(id) ORDER BY id`,
    [ids],
  );
}

/**
 * Upserts events with largest-total-wins and applies the difference to usage_quarter, in one statement; the
 * winning snapshot's cost (and attribution) replaces the old one and the rollup takes the difference. Call inside
 * a transaction after lockRuntimes. Events must be unique by key (see collapseByKey).
 */
export async function writeUsageEvents(
  tx: Sql,
  events: RuntimeUsageEvent[],
  pricer: Pricer,
): Promise<HourDelta[]> {
  if (events.length === 0) return [];
  // One JSON parameter rather than ten arrays: encoding it costs the hub about half the CPU.
  return tx.query<HourDelta>(
    `WITH input AS (
       SELECT runtime_id, id, ts, provider, model, ${KIND_COLUMNS}, task_id, ${PRICE_COLUMNS}, ${ATTRIBUTION}
       FROM json_to_recordset($1::json) AS t(runtime_id uuid, id text, ts timestamptz, provider text, model text,
         ${TOKEN_KINDS.map((c) => `${c} bigint`).join(', ')}, task_id text, cache_write_1h_tokens bigint,
         speed text, agent_cost_usd numeric, cost_usd numeric, cost_source text,
         ${ATTRIBUTION_COLUMNS.map((c) => `${c} text`).join(', ')})
     ),
     old AS (
       SELECT e.* FROM usage_events e JOIN input i ON e.runtime_id = i.runtime_id AND e.id = i.id
     ),
     written AS (
       INSERT INTO usage_events AS e (runtime_id, id, ts, provider, model, ${KIND_COLUMNS}, task_id, ${PRICE_COLUMNS},
         ${ATTRIBUTION})
       SELECT * FROM input
       ON CONFLICT (runtime_id, id) DO UPDATE SET
         ts = excluded.ts, provider = excluded.provider, model = excluded.model,
         ${TOKEN_KINDS.map((c) => `${c} = excluded.${c}`).join(', ')}, task_id = excluded.task_id,
         ${[...PRICE_COLUMNS.split(', '), ...ATTRIBUTION_COLUMNS].map((c) => `${c} = excluded.${c}`).join(', ')}
       WHERE ${sumOf('excluded')} > ${sumOf('e')}
       RETURNING e.*
     ),
     changes AS (
       SELECT w.runtime_id, ${quarterOf('w.ts')} AS bucket, w.provider, w.model, ${attributionKey('w')},
              ${TOKEN_KINDS.map((c) => `w.${c}`).join(', ')}, ${eventCostColumns('w')}
       FROM written w
       UNION ALL
       SELECT o.runtime_id, ${quarterOf('o.ts')}, o.provider, o.model, ${attributionKey('o')},
              ${TOKEN_KINDS.map((c) => `-o.${c}`).join(', ')}, ${eventCostColumns('o', '-')}
       FROM old o JOIN written w ON o.runtime_id = w.runtime_id AND o.id = w.id
     ),
     deltas AS (
       SELECT runtime_id, bucket, provider, model, ${ATTRIBUTION},
              ${TOKEN_KINDS.map((c) => `sum(${c})::bigint AS ${c}`).join(', ')},
              sum(cost) AS cost_usd, sum(agent) AS agent_tokens, sum(unpriced) AS unpriced_tokens
       FROM changes AS c(runtime_id, bucket, provider, model, ${ATTRIBUTION}, ${KIND_COLUMNS}, cost, agent, unpriced)
       GROUP BY runtime_id, bucket, provider, model, ${ATTRIBUTION}
     ),
     rolled AS (
       INSERT INTO usage_quarter AS q (runtime_id, bucket, provider, model, ${ATTRIBUTION}, ${KIND_COLUMNS},
         ${ROLLUP_COST})
       SELECT * FROM deltas
       ON CONFLICT (runtime_id, bucket, provider, model, ${ATTRIBUTION}) DO UPDATE SET
         ${[...TOKEN_KINDS, ...ROLLUP_COST.split(', ')].map((c) => `${c} = q.${c} + excluded.${c}`).join(', ')}
     )
     SELECT runtime_id, date_trunc('hour', bucket, 'UTC') AS hour, bucket AS at, provider, model, ${ATTRIBUTION},
            ${KIND_COLUMNS}, cost_usd::float8 AS cost_usd, unpriced_tokens::float8 AS unpriced_tokens
     FROM deltas
     WHERE ${[...TOKEN_KINDS, ...ROLLUP_COST.split(', ')].map((c) => `${c} <> 0`).join(' OR ')}`,
    [JSON.stringify(events.map((e) => pricedRow(e, pricer)))],
  );
}

/** SQL of a daily-totals row's cost columns (known cost, unpriced tokens), zero for a missing row. */
const dailyCost = (alias: string) => `coalesce(${alias}.cost_usd, 0)`;
const dailyUnpriced = (alias: string) =>
  `CASE WHEN ${alias}.cost_usd IS NULL THEN ${TOKEN_KINDS.map((c) => `coalesce(${alias}.${c}, 0)`).join(' + ')} ELSE 0 END`;

/** Replaces a runtime's daily totals for each (date, provider, model), each priced as of its date; returns what changed. */
export async function writeDailyTotals(
  tx: Sql,
  runtimeId: string,
  entries: DailyTotalsEntry[],
  pricer: Pricer,
): Promise<DateDelta[]> {
  // The latest entry of a key within one report wins, as a later report would.
  const latest = new Map(entries.map((e) => [`${e.date}\u0000${e.provider}\u0000${e.model}`, e]));
  const rows = [...latest.values()];
  const col = (f: (e: DailyTotalsEntry) => unknown) => rows.map(f);
  const costParam = TOKEN_KINDS.length + 5;
  return tx.query<DateDelta>(
    `WITH input AS (
       SELECT * FROM unnest($2::date[], $3::text[], $4::text[], ${TOKEN_KINDS.map((_, i) => `$${i + 5}::bigint[]`).join(', ')},
                            $${costParam}::numeric[])
         AS t(date, provider, model, ${KIND_COLUMNS}, cost_usd)
     ),
     old AS (
       SELECT d.* FROM usage_daily_totals d JOIN input i USING (date, provider, model) WHERE d.runtime_id = $1
     ),
     written AS (
       INSERT INTO usage_daily_totals AS d (runtime_id, date, provider, model, ${KIND_COLUMNS}, cost_usd)
       SELECT $1, * FROM input
       ON CONFLICT (runtime_id, date, provider, model) DO UPDATE SET
         ${TOKEN_KINDS.map((c) => `${c} = excluded.${c}`).join(', ')}, cost_usd = excluded.cost_usd,
         updated_at = now()
       RETURNING d.*
     ),
     deltas AS (
       SELECT w.runtime_id, to_char(w.date, 'YYYY-MM-DD') AS date, w.provider, w.model,
              ${TOKEN_KINDS.map((c) => `(w.${c} - coalesce(o.${c}, 0))::bigint AS ${c}`).join(', ')},
              (${dailyCost('w')} - ${dailyCost('o')})::float8 AS cost_usd,
              (${dailyUnpriced('w')} - ${dailyUnpriced('o')})::float8 AS unpriced_tokens
       FROM written w LEFT JOIN old o USING (date, provider, model)
     )
     SELECT * FROM deltas
     WHERE ${[...TOKEN_KINDS, 'cost_usd', 'unpriced_tokens'].map((c) => `${c} <> 0`).join(' OR ')}`,
    [
      runtimeId,
      col((e) => e.date),
      col((e) => e.provider),
      col((e) => e.model),
      ...TOKEN_KINDS.map((c) => col((e) => e[c])),
      col((e) => pricer.daily(e).cost_usd),
    ],
  );
}

/** Marks the usage of these runtimes as changed (call in the transaction that changed it). */
export async function bumpUsageVersions(tx: Sql, runtimeIds: string[]): Promise<void> {
  if (runtimeIds.length === 0) return;
  await tx.query('UPDATE runtimes SET usage_version = usage_version + 1 WHERE id = ANY($1::uuid[])', [
    [...new Set(runtimeIds)],
  ]);
}
