/**
 * Recomputes stored costs after the price table or the overrides change: events in key order, in bounded
 * batches, each batch one transaction that rewrites the costs that differ and moves the difference into the
 * quarter-hour rollup; then the daily totals. Running it again changes nothing (it writes only differences).
 */
import { type Pricer, TOKEN_KINDS, totalOf, type UsageEvent } from '../../shared';
import type { Database } from './database';
import { ATTRIBUTION_COLUMNS, eventCostColumns, quarterOf } from './usage-columns';
import { lockRuntimes } from './usage-writes';

export interface RepriceResult {
  /** Events and daily-totals rows read. */
  events: number;
  daily_totals: number;
  /** Of those, the ones whose stored cost changed. */
  events_repriced: number;
  daily_totals_repriced: number;
}

interface StoredEvent extends Omit<UsageEvent, 'cost_usd'> {
  runtime_id: string;
  agent_cost_usd: number | null;
  cost_usd: number | null;
  cost_source: string | null;
}

const KINDS = TOKEN_KINDS.join(', ');
const TOTAL = (alias: string) => TOKEN_KINDS.map((k) => `${alias}.${k}`).join(' + ');
const ATTRIBUTION = ATTRIBUTION_COLUMNS.join(', ');
/** The rollup key of the event row `alias`: its quarter-hour, provider, model and attribution ('' for none). */
const rollupKey = (alias: string) =>
  [
    quarterOf(`${alias}.ts`),
    `${alias}.provider`,
    `${alias}.model`,
    ...ATTRIBUTION_COLUMNS.map((c) => `coalesce(${alias}.${c}, '')`),
  ].join(', ');
const ROLLUP_KEY = ['bucket', 'provider', 'model', ...ATTRIBUTION_COLUMNS];

/** The event as it was sent, so the pricer sees what it saw at ingest. */
function asSent(row: StoredEvent): UsageEvent {
  const { runtime_id: _, agent_cost_usd, cost_usd: _c, cost_source: _s, ...e } = row;
  return agent_cost_usd === null ? e : { ...e, cost_usd: agent_cost_usd };
}

async function repriceEventBatch(db: Database, pricer: Pricer, rows: StoredEvent[]): Promise<number> {
  const changed = rows.flatMap((row) => {
    const cost = pricer.event(asSent(row));
    const same = cost.cost_usd === row.cost_usd && cost.cost_source === row.cost_source;
    return same ? [] : [{ runtime_id: row.runtime_id, id: row.id, total: totalOf(row), ...cost }];
  });
  if (changed.length === 0) return 0;
  await db.transaction(async (tx) => {
    await lockRuntimes(
      tx,
      changed.map((c) => c.runtime_id),
    );
    await tx.query(
      `WITH input AS (
         SELECT * FROM json_to_recordset($1::json)
           AS t(runtime_id uuid, id text, total numeric, cost_usd numeric, cost_source text)
       ),
       old AS (
         SELECT e.* FROM usage_events e JOIN input i ON e.runtime_id = i.runtime_id AND e.id = i.id
       ),
       updated AS (
         UPDATE usage_events e SET cost_usd = i.cost_usd, cost_source = i.cost_source
         -- An event replaced since it was read has a larger total and was priced by its writer: left alone.
         FROM input i WHERE e.runtime_id = i.runtime_id AND e.id = i.id AND ${TOTAL('e')} = i.total
         RETURNING e.*
       ),
       changes AS (
         SELECT u.runtime_id, ${rollupKey('u')}, ${eventCostColumns('u')}
         FROM updated u
         UNION ALL
         SELECT o.runtime_id, ${rollupKey('o')}, ${eventCostColumns('o', '-')}
         FROM old o JOIN updated u ON o.runtime_id = u.runtime_id AND o.id = u.id
       ),
       deltas AS (
         SELECT runtime_id, bucket, provider, model, ${ATTRIBUTION},
                sum(cost) AS cost, sum(agent) AS agent, sum(unpriced) AS unpriced
         FROM changes AS c(runtime_id, bucket, provider, model, ${ATTRIBUTION}, cost, agent, unpriced)
         GROUP BY runtime_id, bucket, provider, model, ${ATTRIBUTION}
       ),
       rolled AS (
         UPDATE usage_quarter q SET cost_usd = q.cost_usd + d.cost, agent_tokens = q.agent_tokens + d.agent,
           unpriced_tokens = q.unpriced_tokens + d.unpriced
         FROM deltas d
         WHERE q.runtime_id = d.runtime_id AND ${ROLLUP_KEY.map((c) => `q.${c} = d.${c}`).join(' AND ')}
       )
       UPDATE runtimes SET usage_version = usage_version + 1 WHERE id IN (SELECT runtime_id FROM input)`,
      [JSON.stringify(changed)],
    );
  });
  return changed.length;
}

async function repriceDailyTotals(
  db: Database,
  pricer: Pricer,
  since: string,
): Promise<{ read: number; changed: number }> {
  const rows = await db.query<{
    runtime_id: string;
    date: string;
    provider: string;
    model: string;
    cost_usd: number | null;
    input_tokens: number;
    output_tokens: number;
    cache_read_tokens: number;
    cache_write_tokens: number;
  }>(
    `SELECT runtime_id, date, provider, model, ${KINDS}, cost_usd FROM usage_daily_totals WHERE date >= $1`,
    [since],
  );
  const changed = rows.flatMap((r) => {
    const { runtime_id, cost_usd, ...entry } = r;
    const cost = pricer.daily(entry).cost_usd;
    return cost === cost_usd
      ? []
      : [{ runtime_id, date: r.date, provider: r.provider, model: r.model, cost }];
  });
  if (changed.length > 0)
    await db.transaction(async (tx) => {
      await lockRuntimes(
        tx,
        changed.map((c) => c.runtime_id),
      );
      await tx.query(
        `WITH input AS (
           SELECT * FROM json_to_recordset($1::json) AS t(runtime_id uuid, date date, provider text, model text, cost numeric)
         ),
         updated AS (
           UPDATE usage_daily_totals d SET cost_usd = i.cost FROM input i
           WHERE d.runtime_id = i.runtime_id AND d.date = i.date AND d.provider = i.provider AND d.model = i.model
         )
         UPDATE runtimes SET usage_version = usage_version + 1 WHERE id IN (SELECT runtime_id FROM input)`,
        [JSON.stringify(changed)],
      );
    });
  return { read: rows.length, changed: changed.length };
}

/** Reprices events from `since` (a UTC date, inclusive) and daily totals dated from it, `batchSize` events at a time. */
export async function repriceUsage(
  db: Database,
  pricer: Pricer,
  since: string,
  batchSize = 5000,
): Promise<RepriceResult> {
  const result: RepriceResult = { events: 0, daily_totals: 0, events_repriced: 0, daily_totals_repriced: 0 };
  let after: [string, string] = ['00000000-0000-0000-0000-000000000000', ''];
  for (;;) {
    const rows = await db.query<Omit<StoredEvent, 'ts'> & { ts: Date }>(
      `SELECT runtime_id, id, ts, provider, model, ${KINDS}, cache_write_1h_tokens, speed, agent_cost_usd,
              cost_usd, cost_source
       FROM usage_events
       WHERE ts >= ($1::date::timestamp AT TIME ZONE 'UTC') AND (runtime_id, id) > ($2::uuid, $3)
       ORDER BY runtime_id, id
       LIMIT $4`,
      [since, after[0], after[1], batchSize],
    );
    if (rows.length === 0) break;
    const events = rows.map((r) => ({ ...r, ts: r.ts.toISOString() }));
    result.events += events.length;
    result.events_repriced += await repriceEventBatch(db, pricer, events);
    const last = rows[rows.length - 1]!;
    after = [last.runtime_id, last.id];
  }
  const daily = await repriceDailyTotals(db, pricer, since);
  result.daily_totals = daily.read;
  result.daily_totals_repriced = daily.changed;
  return result;
}
