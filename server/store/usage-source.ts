/**
 * The rows every usage view sums: the quarter-hour rollup inside a window of local days, plus the daily totals
 * dated inside it, narrowed to one runtime or a workspace and optionally to a project, user or session. Every
 * zone's offset is a multiple of 15 minutes, so each quarter lies inside one local day: views never read events.
 */
import { NO_ATTRIBUTION, TOKEN_KINDS } from '../../shared';
import type { Database, Sql } from './database';

export interface HistoryWindow {
  /** First and last local calendar dates, inclusive. */
  startDate: string;
  endDate: string;
  tz: string;
}

/** Exact-match narrowing of a view; NO_ATTRIBUTION (`(none)`) matches usage that carries no such value. */
export interface UsageFilter {
  project?: string | undefined;
  user?: string | undefined;
  session?: string | undefined;
}

/** Filter field (and grouping dimension) → rollup column. */
export const FILTER_COLUMNS = { project: 'project', user: 'user_name', session: 'session_id' } as const;

/** An attribution column of the quarter-hour rollup. */
export type AttributionColumn = (typeof FILTER_COLUMNS)[keyof typeof FILTER_COLUMNS];

/** The columns of `src`, in order. */
export const SOURCE_COLUMNS = [
  'runtime_id',
  'date',
  'provider',
  'model',
  'project',
  'user_name',
  'session_id',
  ...TOKEN_KINDS,
  'cost',
  'agent',
  'unpriced',
] as const;

/**
 * CTE `local_days`: one row holding the window's local midnights after its first day, in UTC (`starts`, ascending),
 * and per day of the window whether the zone's UTC offset at its end differs from the one at its start (`moved`:
 * the day holds a transition). Uses $3/$4/$5 (first/last date, zone).
 */
export const LOCAL_DAYS = `local_days AS (
       SELECT coalesce(array_agg(start ORDER BY date) FILTER (WHERE date > $3::date), '{}') AS starts,
              array_agg((start AT TIME ZONE $5) - (start AT TIME ZONE 'UTC')
                <> (stop AT TIME ZONE $5) - (stop AT TIME ZONE 'UTC') ORDER BY date) AS moved
       FROM (
         SELECT g.d::date AS date, g.d::date::timestamp AT TIME ZONE $5 AS start,
                (g.d::date + 1)::timestamp AT TIME ZONE $5 AS stop
         FROM generate_series($3::date, $4::date, interval '1 day') AS g(d)
       ) AS d
     )`;

/**
 * SQL: the local date of instant `at` inside the window. `local_days` is read by scalar subqueries (evaluated
 * once), or, when `joined`, from the row of `local_days` joined to the query (about 7 % less CPU per row than the
 * subqueries' parameters, measured on one runtime's 90 days at 5M events; but a join the planner counts rows
 * through: over a workspace it made the year's default view read 200 runtimes' rows by index instead of one
 * sequential scan, 4× slower — so only one runtime's view joins it). A binary search among the
 * window's local midnights (width_bucket), not a zone conversion per row: the conversion parses the zone's name on
 * every call and was a third of a 90-day runtime view at 5M events (BENCHMARKS.md, history at scale). On a day that
 * holds a transition the conversion itself is used, so a zone whose clocks go back across midnight still dates
 * every instant as `AT TIME ZONE` does.
 */
export const localDate = (at: string, joined = false) => {
  const [moved, starts] = joined
    ? ['local_days.moved', 'local_days.starts']
    : ['(SELECT moved FROM local_days)', '(SELECT starts FROM local_days)'];
  return `CASE WHEN ${moved}[width_bucket(${at}, ${starts}) + 1] THEN (${at} AT TIME ZONE $5)::date
         ELSE $3::date + width_bucket(${at}, ${starts}) END`;
};

/** CTE `rt`: the runtimes in scope ($1 workspace, $2 one runtime or null for all). */
export const RUNTIMES_IN_SCOPE = `rt AS (
       SELECT id FROM runtimes WHERE workspace_id = $1 AND ($2::uuid IS NULL OR id = $2::uuid)
     )`;

const DAILY_TOTAL = TOKEN_KINDS.map((k) => `d.${k}`).join(' + ');
/** `src` rows of the daily totals of the runtimes in scope dated inside the window (they carry no attribution). */
export const DAILY_TOTALS = `SELECT d.runtime_id, d.date, d.provider, d.model, '', '', '', ${TOKEN_KINDS.join(', ')},
              coalesce(d.cost_usd, 0), 0, CASE WHEN d.cost_usd IS NULL THEN ${DAILY_TOTAL} ELSE 0 END
       FROM usage_daily_totals d
       WHERE d.runtime_id IN (SELECT id FROM rt) AND d.date BETWEEN $3::date AND $4::date`;

/**
 * CTEs `rt` (the runtimes in scope), `local_days` and `src` (SOURCE_COLUMNS) for a view, with its parameters: $1 workspace,
 * $2 runtime (or null for all), $3/$4 first/last date, $5 zone, then the filter values. Further parameters of
 * the caller follow from `params.length + 1`.
 */
export function usageSource(
  workspaceId: string,
  runtimeId: string | null,
  w: HistoryWindow,
  filter: UsageFilter = {},
  carried: AttributionColumn | null = null,
): { ctes: string; params: unknown[] } {
  const params: unknown[] = [workspaceId, runtimeId, w.startDate, w.endDate, w.tz];
  const conditions: string[] = [];
  let dailyTotals = true;
  for (const [field, column] of Object.entries(FILTER_COLUMNS) as [keyof UsageFilter, string][]) {
    const value = filter[field];
    if (value === undefined) continue;
    const stored = value === NO_ATTRIBUTION ? '' : value;
    params.push(stored);
    conditions.push(`AND q.${column} = $${params.length}::text`);
    // Daily totals carry no attribution: they match only "(none)".
    if (stored !== '') dailyTotals = false;
  }
  const counts = TOKEN_KINDS.join(', ');
  const dailyUnion = `
       UNION ALL ${DAILY_TOTALS}`;
  const joined = runtimeId !== null;
  // Only the column a view groups by is carried; the others would widen every row it aggregates (the rows of a
  // runtime's 90 days at 5M events took about 10 % longer with all three).
  const attribution = Object.values(FILTER_COLUMNS)
    .map((c) => (c === carried ? `q.${c}` : "''"))
    .join(', ');
  const ctes = `${RUNTIMES_IN_SCOPE},
     ${LOCAL_DAYS},
     src (${SOURCE_COLUMNS.join(', ')}) AS (
       SELECT q.runtime_id, ${localDate('q.bucket', joined)} AS date, q.provider, q.model, ${attribution},
              ${counts}, q.cost_usd, q.agent_tokens, q.unpriced_tokens
       FROM usage_quarter q${joined ? ' CROSS JOIN local_days' : ''}
       WHERE q.runtime_id IN (SELECT id FROM rt)
         AND q.bucket >= ($3::date::timestamp AT TIME ZONE $5)
         AND q.bucket < (($4::date + 1)::timestamp AT TIME ZONE $5)
         ${conditions.join(' ')}${dailyTotals ? dailyUnion : ''}
     )`;
  return { ctes, params };
}

/**
 * Work memory of one history view. Its aggregates hash every rollup row of the window (about 150,000 for 90 days
 * of a busy workspace); at Postgres' default 4 MB they sort on disk instead, and a view took about 1.5× as long
 * (measured interleaved on the attribution benchmark's data). Only a view's own transaction gets it.
 */
export const VIEW_WORK_MEM = '16MB';

const isDatabase = (sql: Sql): sql is Database =>
  typeof (sql as Partial<Database>).transaction === 'function';

/** Runs one view's query with VIEW_WORK_MEM: in a transaction of its own when given the database itself. */
export async function readView<T>(sql: Sql, text: string, params: unknown[]): Promise<T[]> {
  if (!isDatabase(sql)) return sql.query<T>(text, params);
  return sql.transaction(async (tx) => {
    await tx.exec(`SET LOCAL work_mem = '${VIEW_WORK_MEM}'`);
    return tx.query<T>(text, params);
  });
}
