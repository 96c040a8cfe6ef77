/**
 * Usage writes: events (largest total wins per key), the hourly rollup kept exact in the same statement, and the
 * older daily-totals rows. Each write returns the deltas it caused, which is exactly what dashboards must add.
 */
import { type DailyTotalsEntry, TOKEN_KINDS, type TokenCounts, totalOf, type UsageEvent } from '../../shared';
import type { Sql } from './database';

export interface RuntimeUsageEvent extends UsageEvent {
  runtime_id: string;
}

export interface HourDelta extends TokenCounts {
  runtime_id: string;
  hour: Date;
  provider: string;
  model: string;
}

export interface DateDelta extends TokenCounts {
  runtime_id: string;
  date: string;
  provider: string;
  model: string;
}

/** The token columns, in TOKEN_KINDS order, for column lists. */
const KIND_COLUMNS = TOKEN_KINDS.join(', ');
/** SQL for the total (totalOf) of the row `alias`. */
const sumOf = (alias: string) => TOKEN_KINDS.map((c) => `${alias}.${c}`).join(' + ');

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
 * Upserts events with largest-total-wins and applies the difference to usage_hourly, in one statement.
 * Call inside a transaction after lockRuntimes. Events must be unique by key (see collapseByKey).
 */
export async function writeUsageEvents(tx: Sql, events: RuntimeUsageEvent[]): Promise<HourDelta[]> {
  if (events.length === 0) return [];
  // One JSON parameter rather than ten arrays: encoding it costs the hub about half the CPU.
  return tx.query<HourDelta>(
    `WITH input AS (
       SELECT runtime_id, id, ts, provider, model, ${KIND_COLUMNS}, task_id
       FROM json_to_recordset($1::json) AS t(runtime_id uuid, id text, ts timestamptz, provider text, model text,
         ${TOKEN_KINDS.map((c) => `${c} bigint`).join(', ')}, task_id text)
     ),
     old AS (
       SELECT e.* FROM usage_events e JOIN input i ON e.runtime_id = i.runtime_id AND e.id = i.id
     ),
     written AS (
       INSERT INTO usage_events AS e (runtime_id, id, ts, provider, model, ${KIND_COLUMNS}, task_id)
       SELECT * FROM input
       ON CONFLICT (runtime_id, id) DO UPDATE SET
         ts = excluded.ts, provider = excluded.provider, model = excluded.model,
         ${TOKEN_KINDS.map((c) => `${c} = excluded.${c}`).join(', ')}, task_id = excluded.task_id
       WHERE ${sumOf('excluded')} > ${sumOf('e')}
       RETURNING e.*
     ),
     changes AS (
       SELECT runtime_id, date_trunc('hour', ts, 'UTC') AS hour, provider, model, ${KIND_COLUMNS} FROM written
       UNION ALL
       SELECT o.runtime_id, date_trunc('hour', o.ts, 'UTC'), o.provider, o.model,
              ${TOKEN_KINDS.map((c) => `-o.${c}`).join(', ')}
       FROM old o JOIN written w ON o.runtime_id = w.runtime_id AND o.id = w.id
     ),
     deltas AS (
       SELECT runtime_id, hour, provider, model, ${TOKEN_KINDS.map((c) => `sum(${c})::bigint AS ${c}`).join(', ')}
       FROM changes GROUP BY runtime_id, hour, provider, model
     ),
     rolled AS (
       INSERT INTO usage_hourly AS h (runtime_id, hour, provider, model, ${KIND_COLUMNS})
       SELECT * FROM deltas
       ON CONFLICT (runtime_id, hour, provider, model) DO UPDATE SET
         ${TOKEN_KINDS.map((c) => `${c} = h.${c} + excluded.${c}`).join(', ')}
     )
     SELECT * FROM deltas WHERE ${TOKEN_KINDS.map((c) => `${c} <> 0`).join(' OR ')}`,
    [JSON.stringify(events)],
  );
}

/** Replaces a runtime's daily totals for each (date, provider, model); returns what changed. */
export async function writeDailyTotals(
  tx: Sql,
  runtimeId: string,
  entries: DailyTotalsEntry[],
): Promise<DateDelta[]> {
  // The latest entry of a key within one report wins, as a later report would.
  const latest = new Map(entries.map((e) => [`${e.date}\u0000${e.provider}\u0000${e.model}`, e]));
  const rows = [...latest.values()];
  const col = (f: (e: DailyTotalsEntry) => unknown) => rows.map(f);
  return tx.query<DateDelta>(
    `WITH input AS (
       SELECT * FROM unnest($2::date[], $3::text[], $4::text[], ${TOKEN_KINDS.map((_, i) => `$${i + 5}::bigint[]`).join(', ')})
         AS t(date, provider, model, ${KIND_COLUMNS})
     ),
     old AS (
       SELECT d.* FROM usage_daily_totals d JOIN input i USING (date, provider, model) WHERE d.runtime_id = $1
     ),
     written AS (
       INSERT INTO usage_daily_totals AS d (runtime_id, date, provider, model, ${KIND_COLUMNS})
       SELECT $1, * FROM input
       ON CONFLICT (runtime_id, date, provider, model) DO UPDATE SET
         ${TOKEN_KINDS.map((c) => `${c} = excluded.${c}`).join(', ')}, updated_at = now()
       RETURNING d.*
     )
     SELECT w.runtime_id, to_char(w.date, 'YYYY-MM-DD') AS date, w.provider, w.model,
            ${TOKEN_KINDS.map((c) => `(w.${c} - coalesce(o.${c}, 0))::bigint AS ${c}`).join(', ')}
     FROM written w LEFT JOIN old o USING (date, provider, model)
     WHERE ${TOKEN_KINDS.map((c) => `w.${c} <> coalesce(o.${c}, 0)`).join(' OR ')}`,
    [
      runtimeId,
      col((e) => e.date),
      col((e) => e.provider),
      col((e) => e.model),
      ...TOKEN_KINDS.map((c) => col((e) => e[c])),
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
