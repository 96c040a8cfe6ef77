/**
 * The rows of the workspace's model view (no runtime, no attribution), read from the workspace rollups
 * (rollups-coarse.ts) instead of the quarter-hour one: rows in proportion to the window, whatever the size of the
 * fleet. Each local day of the window is read at the coarsest grain that lies inside it:
 * - a local day that is exactly a UTC day (UTC; London in winter): one row per model from the daily rollup;
 * - otherwise the UTC hours inside it from the hourly rollup, and the quarter-hours of an hour that holds a local
 *   midnight (zones 30 or 45 minutes off a whole hour: one hour a day) from the quarter-hour rollup.
 * Same CTEs, columns and parameters as usageSource, so the view sums either to exactly the same.
 */
import { type GroupBy, TOKEN_KINDS } from '../../shared';
import {
  FILTER_COLUMNS,
  type HistoryWindow,
  LOCAL_DAYS,
  localDate,
  SOURCE_COLUMNS,
  type UsageFilter,
  usageSource,
} from './usage-source';

/** CTEs `rt` and `src` like usageSource's for the whole workspace; `src` rows carry no runtime (null). */
export function workspaceSource(workspaceId: string, w: HistoryWindow): { ctes: string; params: unknown[] } {
  const counts = TOKEN_KINDS.join(', ');
  const total = TOKEN_KINDS.map((k) => `d.${k}`).join(' + ');
  const rollup = (a: string) =>
    `${a}.provider, ${a}.model, '', '', '', ${TOKEN_KINDS.map((k) => `${a}.${k}`).join(', ')}, ${a}.cost_usd,
              ${a}.agent_tokens, ${a}.unpriced_tokens`;
  const ctes = `rt AS (
       SELECT id FROM runtimes WHERE workspace_id = $1 AND $2::uuid IS NULL
     ),
     -- Each local date of the window and its bounds (local midnights) in UTC.
     days AS (
       SELECT g.d::date AS date, g.d::date::timestamp AT TIME ZONE $5 AS start,
              (g.d::date + 1)::timestamp AT TIME ZONE $5 AS stop
       FROM generate_series($3::date, $4::date, interval '1 day') AS g(d)
     ),
     whole_days AS (
       SELECT date FROM days
       WHERE start = date::timestamp AT TIME ZONE 'UTC' AND stop = (date + 1)::timestamp AT TIME ZONE 'UTC'
     ),
     hour_span AS (
       SELECT min(start) AS start, max(stop) AS stop FROM days WHERE date NOT IN (SELECT date FROM whole_days)
     ),
     -- UTC hours that hold a local midnight inside them (never in a zone of whole-hour offsets).
     split AS (
       SELECT date_trunc('hour', start, 'UTC') AS hour FROM days WHERE start <> date_trunc('hour', start, 'UTC')
       UNION
       SELECT date_trunc('hour', stop, 'UTC') FROM days WHERE stop <> date_trunc('hour', stop, 'UTC')
     ),
     ${LOCAL_DAYS},
     src (${SOURCE_COLUMNS.join(', ')}) AS (
       SELECT NULL::uuid, d.day, ${rollup('d')}
       FROM usage_workspace_daily d
       WHERE d.workspace_id = $1 AND d.day BETWEEN $3::date AND $4::date
         AND d.day IN (SELECT date FROM whole_days)
       UNION ALL
       SELECT NULL::uuid, ${localDate('h.hour')}, ${rollup('h')}
       FROM usage_workspace_hourly h
       WHERE h.workspace_id = $1
         AND h.hour >= (SELECT start FROM hour_span) AND h.hour < (SELECT stop FROM hour_span)
         AND (h.hour AT TIME ZONE 'UTC')::date NOT IN (SELECT date FROM whole_days)
         AND h.hour NOT IN (SELECT hour FROM split)
       UNION ALL
       -- Driven by the split hours (none in most zones): each reads its quarter-hours through the primary key.
       SELECT NULL::uuid, ${localDate('q.bucket')}, ${rollup('q')}
       FROM split s CROSS JOIN LATERAL (
         SELECT * FROM usage_quarter q
         WHERE q.runtime_id = ANY (ARRAY(SELECT id FROM rt))
           AND q.bucket >= s.hour AND q.bucket < s.hour + interval '1 hour'
           AND q.bucket >= ($3::date::timestamp AT TIME ZONE $5)
           AND q.bucket < (($4::date + 1)::timestamp AT TIME ZONE $5)
       ) q
       UNION ALL
       SELECT d.runtime_id, d.date, d.provider, d.model, '', '', '', ${counts}, coalesce(d.cost_usd, 0), 0,
              CASE WHEN d.cost_usd IS NULL THEN ${total} ELSE 0 END
       FROM usage_daily_totals d
       WHERE d.runtime_id IN (SELECT id FROM rt) AND d.date BETWEEN $3::date AND $4::date
     )`;
  return { ctes, params: [workspaceId, null, w.startDate, w.endDate, w.tz] };
}

/**
 * The source a view reads: the workspace rollups for the workspace's model view without a filter (groupBy
 * 'model', runtimeId null), else the quarter-hour rollup (usageSource) carrying only the attribution column the
 * view groups by (the others are '').
 */
export function viewSource(
  workspaceId: string,
  runtimeId: string | null,
  w: HistoryWindow,
  filter: UsageFilter,
  groupBy?: GroupBy,
): { ctes: string; params: unknown[] } {
  const filtered = Object.values(filter).some((v) => v !== undefined);
  if (runtimeId === null && groupBy === 'model' && !filtered) return workspaceSource(workspaceId, w);
  const carried =
    groupBy === 'project' || groupBy === 'user' || groupBy === 'session' ? FILTER_COLUMNS[groupBy] : null;
  return usageSource(workspaceId, runtimeId, w, filter, carried);
}
