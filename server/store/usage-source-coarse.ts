/**
 * The rows of a view that needs no attribution (project, user, session), read from the coarse rollups
 * (rollups-coarse.ts) instead of the quarter-hour one: per runtime (views that keep the runtime) or per workspace
 * (the workspace's model view: rows in proportion to the window, whatever the size of the fleet). Each local day
 * of the window is read at the coarsest grain that lies inside it:
 * - a local day that is exactly a UTC day (UTC; London in winter): one row per model from the daily rollup;
 * - otherwise the UTC hours inside it from the hourly rollup, and the quarter-hours of an hour that holds a local
 *   midnight (zones 30 or 45 minutes off a whole hour: one hour a day) from the quarter-hour rollup.
 * Same CTEs, columns and parameters as usageSource, so a view sums either to exactly the same.
 */
import { type GroupBy, TOKEN_KINDS } from '../../shared';
import { type HistoryWindow, SOURCE_COLUMNS, type UsageFilter, usageSource } from './usage-source';

/** `runtime`: rows keep their runtime (runtimeId, or every runtime of the workspace); `workspace`: they do not. */
export type CoarseLevel = 'runtime' | 'workspace';

export function coarseSource(
  workspaceId: string,
  runtimeId: string | null,
  w: HistoryWindow,
  level: CoarseLevel,
): { ctes: string; params: unknown[] } {
  const counts = TOKEN_KINDS.join(', ');
  const total = TOKEN_KINDS.map((k) => `d.${k}`).join(' + ');
  const rollup = (alias: string) =>
    `${alias}.provider, ${alias}.model, '', '', '', ${TOKEN_KINDS.map((k) => `${alias}.${k}`).join(', ')},
              ${alias}.cost_usd, ${alias}.agent_tokens, ${alias}.unpriced_tokens`;
  const [scope, runtime] =
    level === 'workspace'
      ? [(a: string) => `${a}.workspace_id = $1`, () => 'NULL::uuid']
      : [(a: string) => `${a}.runtime_id IN (SELECT id FROM rt)`, (a: string) => `${a}.runtime_id`];
  const ctes = `rt AS (
       SELECT id FROM runtimes WHERE workspace_id = $1 AND ($2::uuid IS NULL OR id = $2::uuid)
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
     src (${SOURCE_COLUMNS.join(', ')}) AS (
       SELECT ${runtime('d')}, d.day, ${rollup('d')}
       FROM usage_${level}_daily d
       WHERE ${scope('d')} AND d.day BETWEEN $3::date AND $4::date AND d.day IN (SELECT date FROM whole_days)
       UNION ALL
       SELECT ${runtime('h')}, (h.hour AT TIME ZONE $5)::date, ${rollup('h')}
       FROM usage_${level}_hourly h
       WHERE ${scope('h')}
         AND h.hour >= (SELECT start FROM hour_span) AND h.hour < (SELECT stop FROM hour_span)
         AND (h.hour AT TIME ZONE 'UTC')::date NOT IN (SELECT date FROM whole_days)
         AND h.hour NOT IN (SELECT hour FROM split)
       UNION ALL
       SELECT ${level === 'workspace' ? 'NULL::uuid' : 'q.runtime_id'}, (q.bucket AT TIME ZONE $5)::date, ${rollup('q')}
       FROM split s JOIN usage_quarter q ON q.bucket >= s.hour AND q.bucket < s.hour + interval '1 hour'
       WHERE q.runtime_id IN (SELECT id FROM rt)
         AND q.bucket >= ($3::date::timestamp AT TIME ZONE $5) AND q.bucket < (($4::date + 1)::timestamp AT TIME ZONE $5)
       UNION ALL
       SELECT d.runtime_id, d.date, d.provider, d.model, '', '', '', ${counts}, coalesce(d.cost_usd, 0), 0,
              CASE WHEN d.cost_usd IS NULL THEN ${total} ELSE 0 END
       FROM usage_daily_totals d
       WHERE d.runtime_id IN (SELECT id FROM rt) AND d.date BETWEEN $3::date AND $4::date
     )`;
  return { ctes, params: [workspaceId, runtimeId, w.startDate, w.endDate, w.tz] };
}

/**
 * The source a view reads: the coarse rollups unless it needs attribution (a filter, or grouping by project, user
 * or session); the workspace's own rollup when it needs no runtime either (the workspace's model view).
 * groupBy undefined is the default view (per runtime × provider × model).
 */
export function viewSource(
  workspaceId: string,
  runtimeId: string | null,
  w: HistoryWindow,
  filter: UsageFilter,
  groupBy?: GroupBy,
): { ctes: string; params: unknown[] } {
  const attributed =
    Object.values(filter).some((v) => v !== undefined) ||
    groupBy === 'project' ||
    groupBy === 'user' ||
    groupBy === 'session';
  if (attributed) return usageSource(workspaceId, runtimeId, w, filter);
  const level = runtimeId === null && groupBy === 'model' ? 'workspace' : 'runtime';
  return coarseSource(workspaceId, runtimeId, w, level);
}
