/**
 * Usage writes: events (largest total wins per key), the quarter-hour rollup kept exact in the same statement, and
 * the older daily-totals rows. Each write returns the deltas it caused, which is exactly what dashboards must add.
 */
import {
  type DailyTotalsEntry,
  type Pricer,
  TOKEN_KINDS,
  type TokenCounts,
  type UsageEvent,
} from '../../shared';
import type { Database, Sql } from './database';
import { LEVELS_LOCK } from './runtime-levels';
import { beats, encodeUsageBatch, type RuntimeUsageCall } from './usage-batch';
import { KIND_COLUMNS } from './usage-columns';
import { WRITE_USAGE_CALL } from './usage-routine';

export { encodeUsageBatch, type RuntimeUsageCall } from './usage-batch';
export { ATTRIBUTION_COLUMNS, eventCostColumns, quarterOf } from './usage-columns';

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
  /** The id (xid8, decimal text) of the transaction that wrote it: dashboards merge each commit once. */
  commit_xid?: string;
}

export interface DateDelta extends TokenCounts, CostDelta {
  runtime_id: string;
  date: string;
  provider: string;
  model: string;
  /** As HourDelta's. */
  commit_xid?: string;
}

/**
 * The usage write with the id of its transaction on each row, read in the same statement (so on the one-statement
 * path too): the routine's own text stays as it is. pg_current_xact_id() assigns the id if the routine has not yet,
 * and the routine's writes then carry that same id.
 */
const WRITE_USAGE_WITH_XID = `SELECT w.*, pg_current_xact_id()::text AS commit_xid FROM (${WRITE_USAGE_CALL}) AS w`;
/** The same write when nobody will read its deltas: counted in Postgres instead of sent and parsed. */
const WRITE_USAGE_UNREAD = `SELECT count(*)::int AS deltas FROM (${WRITE_USAGE_CALL}) AS w`;
const HOUR_MS = 3_600_000;

/** The write's answer with each row's UTC hour, computed here from its quarter (the function no longer spells it). */
function withHours(rows: HourDelta[]): HourDelta[] {
  for (const r of rows) r.hour = new Date(Math.floor(r.at.getTime() / HOUR_MS) * HOUR_MS);
  return rows;
}

/**
 * An event as its row is written: the agent's own cost moved aside, the effective cost priced as of its date.
 * Built field by field: a rest-spread copy made the hub's CPU per event several times larger (V8 dictionary
 * objects, slow to build and to stringify).
 */
export function pricedRow(e: RuntimeUsageEvent, pricer: Pricer) {
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
    // Undefined (NULL in the row) when the event carries none.
    project: e.project,
    user_name: e.user,
    session_id: e.session_id,
  };
}

/**
 * Keeps one event per (runtime, id): the largest total; on a tie the first, unless only a later one is attributed
 * (as the table does).
 */
export function collapseByKey(events: RuntimeUsageEvent[]): RuntimeUsageEvent[] {
  const best = new Map<string, RuntimeUsageEvent>();
  for (const e of events) {
    const key = `${e.runtime_id}\u0000${e.id}`;
    const seen = best.get(key);
    if (!seen || beats(e, seen)) best.set(key, e);
  }
  return [...best.values()];
}

/**
 * Serialises writers of the same runtimes across nodes for the rest of the transaction, so the "old row" each
 * write reads is the one it replaces. Locks are taken in a fixed order to avoid deadlocks. Usage event writes take
 * the same locks shared (they order themselves per event key, see writeUsageEvents), so a holder of this
 * exclusive lock (daily totals, reprice) still sees no usage write of these runtimes until it commits.
 */
export async function lockRuntimes(tx: Sql, runtimeIds: string[]): Promise<void> {
  const ids = [...new Set(runtimeIds)].sort();
  // The runtime levels' lock first, shared, as the write function takes it: the roll waits for this transaction.
  await tx.query('SELECT pg_advisory_xact_lock_shared($1)', [LEVELS_LOCK]);
  await tx.query(
    `SELECT pg_advisory_xact_lock(hashtextextended(id::text, 41)) FROM unnest($1::uuid[]) AS t(id) ORDER BY id`,
    [ids],
  );
}

/**
 * Upserts events with largest-total-wins, applies the difference to usage_quarter and bumps the usage version of
 * every runtime whose usage changed, in one round trip: the server-side function of usage-routine.ts (which says
 * how it locks per event key). Call inside a transaction, at most once per key per transaction; events of one key
 * are collapsed first (see collapseByKey). Returns what changed: exactly what dashboards must add.
 */
export async function writeUsageCalls(
  tx: Sql,
  calls: readonly RuntimeUsageCall[],
  pricer: Pricer,
): Promise<HourDelta[]> {
  // One parameter, spelled by hand: encoding it costs the hub half of what one array per column did. In key order:
  // the function locks in the batch's order (usage-batch-order.ts).
  const batch = encodeUsageBatch(calls, pricer);
  if (batch === '') return [];
  return withHours(await tx.query<HourDelta>(WRITE_USAGE_WITH_XID, [batch], 'rh_write_usage_xid'));
}

/**
 * writeUsageCalls as a transaction of its own, in one round trip (no BEGIN, no COMMIT): for a commit that writes
 * nothing else. Resolves once committed; a connection lost meanwhile is a CommitInDoubtError.
 */
export async function writeUsageCallsAlone(
  db: Database,
  calls: readonly RuntimeUsageCall[],
  pricer: Pricer,
): Promise<HourDelta[]> {
  const batch = encodeUsageBatch(calls, pricer);
  if (batch === '') return [];
  return withHours(await db.alone<HourDelta>(WRITE_USAGE_WITH_XID, [batch], 'rh_write_usage_xid'));
}

/**
 * writeUsageCallsAlone without its deltas, for a commit nobody will be told about (no dashboard open on a single
 * node): parsing the answer's rows was ~9 % of the hub's CPU under a fleet's load (BENCHMARKS.md, session 6, hI).
 */
export async function writeUsageCallsAloneUnread(
  db: Database,
  calls: readonly RuntimeUsageCall[],
  pricer: Pricer,
): Promise<void> {
  const batch = encodeUsageBatch(calls, pricer);
  if (batch === '') return;
  await db.alone(WRITE_USAGE_UNREAD, [batch], 'rh_write_usage_unread');
}

/** writeUsageCalls for events that each carry their runtime id. */
export async function writeUsageEvents(
  tx: Sql,
  events: RuntimeUsageEvent[],
  pricer: Pricer,
): Promise<HourDelta[]> {
  return writeUsageCalls(
    tx,
    events.map((e) => ({ runtimeId: e.runtime_id, events: [e] })),
    pricer,
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
     SELECT *, pg_current_xact_id()::text AS commit_xid FROM deltas
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
