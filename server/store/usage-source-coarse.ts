/**
 * The rows of a view that asks for no attribution (no project, user or session filter or grouping), read from the
 * coarse rollups (rollups-coarse.ts) instead of the quarter-hour one, whose rows carry attribution and so number
 * about one per event at a fleet's density. Two scopes:
 * - `workspace`: the workspace rollups, rows carry no runtime (null) — the workspace's model view: rows in
 *   proportion to the window, whatever the size of the fleet;
 * - `runtime`: the per-runtime rollups of the runtimes in scope (one, or the whole workspace) — a runtime's views,
 *   `group_by=runtime` and the workspace's default shape (runtime × day × model).
 * Each local day of the window is read at the coarsest grain that lies inside it:
 * - a local day that is exactly a UTC day (UTC; London in winter): one row per scope × model from the daily rollup;
 * - otherwise the UTC hours inside it from the hourly rollup, and the quarter-hours of an hour that holds a local
 *   midnight (zones 30 or 45 minutes off a whole hour: one hour a day) from the quarter-hour rollup.
 * Same CTEs, columns and parameters as usageSource, so the view sums either to exactly the same.
 */
import { type GroupBy, TOKEN_KINDS } from '../../shared';
import {
  DAILY_TOTALS,
  FILTER_COLUMNS,
  type HistoryWindow,
  LOCAL_DAYS,
  localDate,
  RUNTIMES_IN_SCOPE,
  SOURCE_COLUMNS,
  type UsageFilter,
  usageSource,
} from './usage-source';

export type CoarseScope = 'workspace' | 'runtime';

/** How each scope's rollups are named and narrowed, and what its rows carry as their runtime. */
const SCOPES: Record<
  CoarseScope,
  { prefix: string; where: (a: string) => string; runtime: (a: string) => string }
> = {
  workspace: {
    prefix: 'usage_workspace',
    where: (a) => `${a}.workspace_id = $1`,
    runtime: () => 'NULL::uuid',
  },
  // An array, not `IN (SELECT …)`: the planner then reads each runtime's range through the primary key.
  runtime: {
    prefix: 'usage_runtime',
    where: (a) => `${a}.runtime_id = ANY (ARRAY(SELECT id FROM rt))`,
    runtime: (a) => `${a}.runtime_id`,
  },
};

/**
 * CTEs `rt`, `local_days` and `src` like usageSource's, from the coarse rollups of `scope`; the workspace scope
 * answers only for the whole workspace (runtimeId null).
 */
export function coarseSource(
  scope: CoarseScope,
  workspaceId: string,
  runtimeId: string | null,
  w: HistoryWindow,
): { ctes: string; params: unknown[] } {
  const { prefix, where, runtime } = SCOPES[scope];
  /** SOURCE_COLUMNS of the rollup row `a` dated `date`. */
  const rollup = (a: string, date: string) =>
    `${runtime(a)}, ${date}, ${a}.provider, ${a}.model, '', '', '', ${TOKEN_KINDS.map((k) => `${a}.${k}`).join(', ')},
              ${a}.cost_usd, ${a}.agent_tokens, ${a}.unpriced_tokens`;
  const ctes = `${RUNTIMES_IN_SCOPE},
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
     part_days AS (
       SELECT date, start, stop FROM days WHERE date NOT IN (SELECT date FROM whole_days)
     ),
     hour_span AS (
       SELECT min(start) AS start, max(stop) AS stop FROM part_days
     ),
     -- UTC hours that hold a local midnight inside them (never in a zone of whole-hour offsets).
     split AS (
       SELECT date_trunc('hour', start, 'UTC') AS hour FROM days WHERE start <> date_trunc('hour', start, 'UTC')
       UNION
       SELECT date_trunc('hour', stop, 'UTC') FROM days WHERE stop <> date_trunc('hour', stop, 'UTC')
     ),
     ${LOCAL_DAYS},
     src (${SOURCE_COLUMNS.join(', ')}) AS (
       SELECT ${rollup('d', 'd.day')}
       FROM ${prefix}_daily d
       WHERE ${where('d')} AND d.day BETWEEN $3::date AND $4::date
         -- A filter (hashed), not a join: joined to the whole days, the workspace's year was read by one index
         -- probe per day and runtime (73,000 probes, 0.8 s at 5M events). Evaluated once, the EXISTS skips the
         -- scan in a zone without whole days (it read a Los Angeles year's 345,000 daily rows for none: 0.3 s).
         AND EXISTS (SELECT FROM whole_days) AND d.day NOT IN (SELECT date FROM part_days)
       UNION ALL
       SELECT ${rollup('h', localDate('h.hour'))}
       FROM ${prefix}_hourly h
       WHERE ${where('h')}
         AND h.hour >= (SELECT start FROM hour_span) AND h.hour < (SELECT stop FROM hour_span)
         AND (h.hour AT TIME ZONE 'UTC')::date NOT IN (SELECT date FROM whole_days)
         AND h.hour NOT IN (SELECT hour FROM split)
       UNION ALL
       -- Driven by the split hours (none in most zones): each reads its quarter-hours through the primary key.
       SELECT ${rollup('q', localDate('q.bucket'))}
       FROM split s CROSS JOIN LATERAL (
         SELECT * FROM usage_quarter q
         WHERE q.runtime_id = ANY (ARRAY(SELECT id FROM rt))
           AND q.bucket >= s.hour AND q.bucket < s.hour + interval '1 hour'
           AND q.bucket >= ($3::date::timestamp AT TIME ZONE $5)
           AND q.bucket < (($4::date + 1)::timestamp AT TIME ZONE $5)
       ) q
       UNION ALL ${DAILY_TOTALS}
     )`;
  return { ctes, params: [workspaceId, runtimeId, w.startDate, w.endDate, w.tz] };
}

/** The attribution column a grouping needs carried, if any. */
const carriedBy = (groupBy?: GroupBy) =>
  groupBy === 'project' || groupBy === 'user' || groupBy === 'session' ? FILTER_COLUMNS[groupBy] : null;

/** Chooses the rows a view reads: CTEs `rt`, `local_days`, `src` and their parameters. */
export type ViewSource = (
  workspaceId: string,
  runtimeId: string | null,
  w: HistoryWindow,
  filter: UsageFilter,
  groupBy?: GroupBy,
) => { ctes: string; params: unknown[] };

/**
 * The source a view reads: with an attribution filter, or grouped by project, user or session, the quarter-hour
 * rollup (usageSource) carrying only the attribution column the view groups by (the others are ''); otherwise
 * the coarse rollups — the workspace's for the workspace's model view, the runtimes' for everything else.
 */
export const viewSource: ViewSource = (workspaceId, runtimeId, w, filter, groupBy) => {
  const filtered = Object.values(filter).some((v) => v !== undefined);
  const carried = carriedBy(groupBy);
  if (filtered || carried !== null) return usageSource(workspaceId, runtimeId, w, filter, carried);
  const scope = runtimeId === null && groupBy === 'model' ? 'workspace' : 'runtime';
  return coarseSource(scope, workspaceId, runtimeId, w);
};

/** The source every view could read: the quarter-hour rollup alone (the reference the coarse sources must equal). */
export const fineSource: ViewSource = (workspaceId, runtimeId, w, filter, groupBy) =>
  usageSource(workspaceId, runtimeId, w, filter, carriedBy(groupBy));
