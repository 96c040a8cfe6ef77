/**
 * History views: usage per local calendar day × provider × model, and tasks per local hour, in any IANA zone.
 * Days are read from the quarter-hour rollup (plus daily totals on their date), never from raw events: every
 * zone's offset is a multiple of 15 minutes, so each quarter lies inside one local day.
 */
import { type ActivityRow, TOKEN_KINDS, type TokenCounts } from '../../shared';
import type { Sql } from './database';
import { type HistoryWindow, readView, type UsageFilter } from './usage-source';
import { type ViewSource, viewSource } from './usage-source-coarse';

export interface DailyUsage extends TokenCounts {
  runtime_id: string;
  date: string;
  provider: string;
  model: string;
  /** The summed stored cost; null when any token of the row has no known price. */
  cost_usd: number | null;
  agent_tokens: number;
  unpriced_tokens: number;
}

/**
 * A history answer (a page of the default rows, a grouped answer) holds at most this many rows (under 2 MB of JSON
 * at ~270 bytes a row), whatever the workspace holds.
 */
export const HISTORY_MAX_ROWS = 7_000;
/** Per runtime and local day, models past this many (by tokens) fold into one row of model `other`. */
export const HISTORY_TOP_MODELS = 20;
/** The runtime of the row that folds a day's smallest rows when the day alone has more than HISTORY_MAX_ROWS. */
export const FOLDED_RUNTIME_ID = '00000000-0000-0000-0000-000000000000';
export const FOLDED = 'other';

/** Calendar days of a window, both ends included. */
export function windowDays(w: HistoryWindow): number {
  return Math.round((Date.parse(w.endDate) - Date.parse(w.startDate)) / 86_400_000) + 1;
}

/** The folds of the default rows; each costs a ranking of every row of the answer, so a caller that knows a fold
 * cannot happen (usagePage) leaves it out. */
export interface DayFolds {
  /** Per runtime and day, models past the top HISTORY_TOP_MODELS fold into one `other` row (default true). */
  topModels?: boolean;
  /** A day of more rows than this keeps its largest this - 1 and folds the rest (null: never; default the bound). */
  maxDayRows?: number | null;
  /** Not a fold: the newest this many rows only, so that a read never holds more than a page needs. */
  maxRows?: number;
}

/**
 * Usage rows of one runtime, or of every runtime of the workspace when runtimeId is null; newest day first;
 * narrowed by `filter` when given. Folding happens in SQL: per runtime and day the models past the top
 * HISTORY_TOP_MODELS become one `other` row (provider kept when they share it); a day of more than `maxDayRows`
 * rows keeps its largest maxDayRows - 1 and folds the rest into one row of runtime FOLDED_RUNTIME_ID, so a page
 * (usage-pages.ts) of one day is bounded too. Token sums are unchanged by folding. The answer is every day of `w`:
 * the routes read it a page of days at a time (usagePage). `source` chooses the rows read (tests compare the
 * coarse rollups with the quarter-hour one).
 */
export async function usageByDay(
  sql: Sql,
  workspaceId: string,
  runtimeId: string | null,
  w: HistoryWindow,
  filter: UsageFilter = {},
  source: ViewSource = viewSource,
  folds: DayFolds = {},
): Promise<DailyUsage[]> {
  const { topModels = true, maxDayRows = HISTORY_MAX_ROWS, maxRows } = folds;
  const { ctes, params } = source(workspaceId, runtimeId, w, filter);
  const sums = TOKEN_KINDS.map((k) => `sum(${k}) AS ${k}`).join(', ');
  const costSums = 'sum(cost) AS cost, sum(agent) AS agent, sum(unpriced) AS unpriced';
  const sumTotal = TOKEN_KINDS.map((k) => `sum(${k})`).join(' + ');
  const columns = `${TOKEN_KINDS.join(', ')}, cost, agent, unpriced`;
  const foldedProvider = `CASE WHEN min(provider) = max(provider) THEN min(provider) ELSE '${FOLDED}' END`;
  const extra: unknown[] = [];
  const param = (v: unknown) => `$${params.length + extra.push(v)}`;
  // Rows kept pass through each step as they are and only the rows folded away are summed again: summing every
  // row of every step (singleton groups but for the fold) was half of the 30-day default view (BENCHMARKS.md, hB).
  // Text sorts are COLLATE "C": byte order, which is the order of the databases' own collations here (C.UTF-8 of
  // glibc ≥ 2.35 sorts by code point, PGlite's is C) without a strcoll call per comparison.
  const steps = [
    // Sums stay numeric: a day may pass what bigint holds even when every quarter fits.
    `grouped AS (
       SELECT runtime_id, date, provider, model, ${sums}, ${costSums}, ${sumTotal} AS total,
              provider AS first_provider, model AS first_model
       FROM src
       GROUP BY runtime_id, date, provider, model
       -- A replaced event that moved quarter or model leaves a zero row behind: not "any usage".
       HAVING ${sumTotal} > 0
     )`,
  ];
  let rows = 'grouped';
  if (topModels) {
    const top = param(HISTORY_TOP_MODELS);
    // Per runtime and day, the models past the top ones as one row; the day's ranks break ties by the smallest
    // provider and model it folds.
    steps.push(
      `by_model AS (
       SELECT *, row_number() OVER (PARTITION BY runtime_id, date
                ORDER BY total DESC, provider COLLATE "C", model COLLATE "C") AS model_rank
       FROM grouped
     )`,
      `top_models AS (
       SELECT runtime_id, date, provider, model, ${columns}, total, first_provider, first_model
       FROM by_model WHERE model_rank <= ${top}
       UNION ALL
       SELECT runtime_id, date, ${foldedProvider}, '${FOLDED}', ${sums}, ${costSums}, sum(total), min(provider COLLATE "C"),
              min(model COLLATE "C")
       FROM by_model WHERE model_rank > ${top}
       GROUP BY runtime_id, date
     )`,
    );
    rows = 'top_models';
  }
  const shown = `runtime_id::text AS runtime_id, to_char(date, 'YYYY-MM-DD') AS date, provider, model, ${TOKEN_KINDS.join(', ')},
            -- Never a partial sum shown as the cost: unknown when any token of the row has no price.
            CASE WHEN unpriced > 0 THEN NULL ELSE round(cost, 9)::float8 END AS cost_usd,
            agent::float8 AS agent_tokens, unpriced::float8 AS unpriced_tokens`;
  let answer = `SELECT ${shown} FROM ${rows}`;
  if (maxDayRows !== null) {
    const maxDay = param(maxDayRows);
    steps.push(`ranked AS (
       SELECT *, row_number() OVER (PARTITION BY date
                ORDER BY total DESC, runtime_id, first_provider COLLATE "C", first_model COLLATE "C") AS row_rank,
              count(*) OVER (PARTITION BY date) AS day_rows
       FROM ${rows}
     )`);
    // Only a day past the bound folds, into its largest rows and one row for the rest.
    answer = `SELECT ${shown} FROM ranked WHERE day_rows <= ${maxDay} OR row_rank < ${maxDay}
     UNION ALL
     SELECT '${FOLDED_RUNTIME_ID}', to_char(date, 'YYYY-MM-DD'), ${foldedProvider}, '${FOLDED}', ${sums},
            CASE WHEN sum(unpriced) > 0 THEN NULL ELSE round(sum(cost), 9)::float8 END,
            sum(agent)::float8, sum(unpriced)::float8
     FROM ranked WHERE day_rows > ${maxDay} AND row_rank >= ${maxDay}
     GROUP BY date`;
  }
  const limit = maxRows === undefined ? '' : `LIMIT ${param(maxRows)}`;
  return readView<DailyUsage>(
    sql,
    `WITH ${ctes},
     ${steps.join(',\n     ')}
     SELECT * FROM (${answer}) AS answer
     ORDER BY date DESC, runtime_id COLLATE "C", provider COLLATE "C", model COLLATE "C"
     ${limit}`,
    [...params, ...extra],
  );
}

/** Exactly 24 rows: tasks by the local hour of coalesce(started_at, created_at) inside the window. */
export async function activityByHour(sql: Sql, runtimeId: string, w: HistoryWindow): Promise<ActivityRow[]> {
  const rows = await sql.query<ActivityRow>(
    `SELECT extract(hour FROM coalesce(started_at, created_at) AT TIME ZONE $4)::int AS hour, count(*)::int AS count
     FROM tasks
     WHERE runtime_id = $1
       AND coalesce(started_at, created_at) >= ($2::date::timestamp AT TIME ZONE $4)
       AND coalesce(started_at, created_at) < (($3::date + 1)::timestamp AT TIME ZONE $4)
     GROUP BY 1`,
    [runtimeId, w.startDate, w.endDate, w.tz],
  );
  const byHour = new Map(rows.map((r) => [r.hour, r.count]));
  return Array.from({ length: 24 }, (_, hour) => ({ hour, count: byHour.get(hour) ?? 0 }));
}

/**
 * The usage version of one runtime of the workspace (undefined when it is not the workspace's), or of the whole
 * workspace (the sum of its runtimes' versions, which only grows, plus their count).
 */
export async function usageVersion(
  sql: Sql,
  workspaceId: string,
  runtimeId: string | null,
): Promise<string | undefined> {
  if (runtimeId) {
    const rows = await sql.query<{ v: number }>(
      'SELECT usage_version AS v FROM runtimes WHERE id = $1 AND workspace_id = $2',
      [runtimeId, workspaceId],
    );
    return rows[0] ? String(rows[0].v) : undefined;
  }
  const rows = await sql.query<{ v: number; n: number }>(
    'SELECT coalesce(sum(usage_version), 0)::bigint AS v, count(*)::int AS n FROM runtimes WHERE workspace_id = $1',
    [workspaceId],
  );
  return `${rows[0]!.v}/${rows[0]!.n}`;
}
