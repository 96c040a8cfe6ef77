/**
 * The rows of a view that asks for no attribution (no project, user or session filter or grouping), read from the
 * coarse rollups (rollups-coarse.ts) instead of the quarter-hour one, whose rows carry attribution and so number
 * about one per event at a fleet's density. Two scopes:
 * - `workspace`: the workspace rollups, rows carry no runtime (null) — the workspace's model view: rows in
 *   proportion to the window, whatever the size of the fleet;
 * - `runtime`: the per-runtime rollups of the runtimes in scope (one, or the whole workspace) — a runtime's views,
 *   `group_by=runtime` and the workspace's default shape (runtime × day × model).
 * One runtime's views and the workspace's model view read each local day at the coarsest grain inside it (the daily
 * rows of a local day that is a UTC day, else its UTC hours); the views of every runtime of the workspace (the
 * default shape, `group_by=runtime`) read each local day as the daily rows of the UTC date it
 * overlaps most, corrected by the UTC hours where the two differ (usage-source-calendar.ts): none in a zone whose
 * days are UTC days, a third of the hours in Los Angeles. An hour that holds a local midnight (zones 30 or 45
 * minutes off a whole hour: one hour a day) is read, or corrected, by its quarter-hours from the quarter-hour rollup.
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
import { CALENDAR, HOUR_CALENDAR, hourDay, mainOf, WINDOW_START, WINDOW_STOP } from './usage-source-calendar';

export type CoarseScope = 'workspace' | 'runtime';

/** How each scope's rollups are named and narrowed, and what its rows carry as their runtime. */
const SCOPES: Record<
  CoarseScope,
  {
    daily: string;
    hourly: string;
    /** The hourly level's table, when `hourly` is a view over it and usage_quarter's tail (runtime-levels.ts). */
    hourlyTable?: string;
    where: (a: string) => string;
    runtime: (a: string) => string;
  }
> = {
  workspace: {
    daily: 'usage_workspace_daily',
    hourly: 'usage_workspace_hourly',
    where: (a) => `${a}.workspace_id = $1`,
    runtime: () => 'NULL::uuid',
  },
  // An array, not `IN (SELECT …)`: the planner then reads each runtime's range through the primary key.
  // The views, not the tables: the levels hold the hours before their watermark only (runtime-levels.ts).
  runtime: {
    daily: 'usage_runtime_daily',
    hourly: 'usage_runtime_hourly',
    hourlyTable: 'usage_runtime_hourly_rolled',
    where: (a) => `${a}.runtime_id = ANY (ARRAY(SELECT id FROM rt))`,
    runtime: (a) => `${a}.runtime_id`,
  },
};

/** SOURCE_COLUMNS of the rollup row `a` of `scope` dated `date`, each sum through `value` (negated for a correction). */
const rollupColumns = (scope: CoarseScope, a: string, date: string, value = (c: string) => `${a}.${c}`) =>
  `${SCOPES[scope].runtime(a)}, ${date}, ${a}.provider, ${a}.model, '', '', '', ${TOKEN_KINDS.map(value).join(', ')},
              ${['cost_usd', 'agent_tokens', 'unpriced_tokens'].map(value).join(', ')}`;

/** `src` rows of the quarter-hours of the split hours inside the window (none in most zones). */
const splitQuarters = (scope: CoarseScope) => `SELECT ${rollupColumns(scope, 'q', localDate('q.bucket'))}
       FROM split s CROSS JOIN LATERAL (
         SELECT * FROM usage_quarter q
         WHERE q.runtime_id = ANY (ARRAY(SELECT id FROM rt))
           AND q.bucket >= s.hour AND q.bucket < s.hour + interval '1 hour'
           AND q.bucket >= ${WINDOW_START} AND q.bucket < ${WINDOW_STOP}
       ) q`;

/**
 * One runtime's rows: each local day at the coarsest grain inside it — the daily rows of a local day that is a UTC
 * day, else its hours (one index range of the runtime), and the quarter-hours of its split hours. Reading its
 * hours by one range costs less than correcting a main date by runs of hours (CPU of its 90 Kolkata days 16.3 →
 * 19.0 ms the other way, BENCHMARKS.md, hB), whose gain is the rows of a whole fleet.
 */
function byHours(scope: CoarseScope): string {
  const { daily, hourly, where } = SCOPES[scope];
  return `${HOUR_CALENDAR},
     ${LOCAL_DAYS},
     src (${SOURCE_COLUMNS.join(', ')}) AS (
       SELECT ${rollupColumns(scope, 'd', 'd.day')}
       FROM ${daily} d
       WHERE ${where('d')} AND d.day BETWEEN $3::date AND $4::date
         -- A filter (hashed), not a join: joined to the whole days, the workspace's year was read by one index
         -- probe per day and runtime (73,000 probes, 0.8 s at 5M events). Evaluated once, the EXISTS skips the
         -- scan in a zone without whole days (it read a Los Angeles year's 345,000 daily rows for none: 0.3 s).
         AND EXISTS (SELECT FROM whole_days) AND d.day NOT IN (SELECT date FROM part_days)
       UNION ALL
       SELECT ${rollupColumns(scope, 'h', localDate('h.hour'))}
       FROM ${hourly} h
       WHERE ${where('h')}
         AND h.hour >= (SELECT start FROM hour_span) AND h.hour < (SELECT stop FROM hour_span)
         AND (h.hour AT TIME ZONE 'UTC')::date NOT IN (SELECT date FROM whole_days)
         AND h.hour NOT IN (SELECT hour FROM split)
       UNION ALL
       ${splitQuarters(scope)}
       UNION ALL ${DAILY_TOTALS}
     )`;
}

/**
 * The edge hours of usage_quarter's tail (the hours from the runtime levels' watermark on, runtime-levels.ts) when
 * the edge ranges read the levels' table: the tail read once, its quarters joined to the ranges, rather than the
 * view read per range (its tail was 200 index descents per range: a Los Angeles page's ranges cost it ~1.3 ms each).
 * The quarters of an hour sum to the view's row of that hour, so the sums are the view's.
 */
function tailEdges(scope: CoarseScope, signed: (c: string) => string): string {
  if (SCOPES[scope].hourlyTable === undefined) return '';
  return `UNION ALL
       SELECT ${rollupColumns(scope, 'h', 's.date', signed)}
       FROM (
         SELECT q.*, date_trunc('hour', q.bucket, 'UTC') AS hour FROM usage_quarter q
         WHERE ${SCOPES[scope].where('q')} AND q.bucket >= rh_levels_from()
           AND q.bucket >= (SELECT min(lo) FROM edge_ranges) AND q.bucket < (SELECT max(hi) FROM edge_ranges)
       ) h JOIN edge_ranges r ON h.hour >= r.lo AND h.hour < r.hi
       CROSS JOIN LATERAL (
         VALUES (${hourDay('main_of', 'h.hour')}, true), (${hourDay('own', 'h.hour')}, false)
       ) AS s(date, negative)
       WHERE s.date IS NOT NULL`;
}

/**
 * The rows of every runtime of a workspace: each local day is its main UTC date's daily rows
 * corrected by the hours where the two differ (usage-source-calendar.ts), so a fleet's non-UTC zone reads a third
 * (Los Angeles) or a quarter (Kolkata) of its hours. Some `src` rows are negative; their sums are exact. Not for
 * the workspace rollups (24 rows an hour at most): there the per-row lookups cost more than the hours saved (CPU of
 * the model view's Los Angeles year 87 → 113 ms, BENCHMARKS.md, hB).
 */
function byMainDates(scope: CoarseScope, tz: string): string {
  const { daily, where } = SCOPES[scope];
  const hourly = SCOPES[scope].hourlyTable ?? SCOPES[scope].hourly;
  const signed = (c: string) => `CASE WHEN s.negative THEN -h.${c} ELSE h.${c} END`;
  return `${LOCAL_DAYS},
     ${CALENDAR},
     src (${SOURCE_COLUMNS.join(', ')}) AS (
       SELECT ${rollupColumns(scope, 'd', mainOf('d.day'))}
       FROM ${daily} d
       -- A hashed filter, not a join (see byHours).
       WHERE ${where('d')} AND d.day BETWEEN (SELECT min(main) FROM mains) AND (SELECT max(main) FROM mains)
         AND d.day IN (SELECT main FROM mains)
       UNION ALL
       -- Each hour whose local day is not the one its UTC date stands for: taken from the one, added to the other.
       SELECT ${rollupColumns(scope, 'h', 's.date', signed)}
       -- The levels' table, not the view (its tail is tailEdges'), and no OFFSET 0: the view pulled up made the
       -- ranges a join filter over every hour of the fleet (0.57 s for a UTC page at 1M events, hL), but the table
       -- pulled up is main's plan, whose estimate of the rows (millions) keeps the grouping below a sort: kept a
       -- subquery, the estimate fell to a tenth and the planner hashed the grouping, 2–3× slower for a page's 1,500
       -- rows (a sort 4 ms, the hash 8 ms: BENCHMARKS.md, session 12, hL3).
       FROM edge_ranges r CROSS JOIN LATERAL (
         SELECT * FROM ${hourly} h WHERE ${where('h')} AND h.hour >= r.lo AND h.hour < r.hi
       ) h CROSS JOIN LATERAL (
         VALUES (${hourDay('main_of', 'h.hour')}, true), (${hourDay('own', 'h.hour')}, false)
       ) AS s(date, negative)
       WHERE s.date IS NOT NULL
       ${tz === 'UTC' ? '' : tailEdges(scope, signed)}
       UNION ALL
       ${splitQuarters(scope)}
       UNION ALL ${DAILY_TOTALS}
     )`;
}

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
  const ctes = `${RUNTIMES_IN_SCOPE},
     ${scope === 'runtime' && runtimeId === null ? byMainDates(scope, w.tz) : byHours(scope)}`;
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
