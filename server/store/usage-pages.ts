/**
 * The default usage rows (runtime × local day × provider × model) a page at a time: whole local days, newest first,
 * as many as fit in USAGE_PAGE_ROWS rows (at least one day, whole up to HISTORY_MAX_ROWS; a single day past that
 * folds, usageByDay). Every
 * row stays exact — no runtime's usage is folded into another's to fit a window — and a page costs the days it
 * reads, not the window: the days to read are chosen from cheap facts (which runtimes have usage, how many models
 * the workspace used, how many rows the newest days hold), then from the density measured on the days read.
 */
import type { Sql } from './database';
import type { HistoryWindow, UsageFilter } from './usage-source';
import { type ViewSource, viewSource } from './usage-source-coarse';
import {
  type DailyUsage,
  type DayFolds,
  HISTORY_MAX_ROWS,
  HISTORY_TOP_MODELS,
  usageByDay,
} from './usage-views';

export interface UsagePage {
  rows: DailyUsage[];
  /** The `before` of the next page (this page's oldest date) while older days of the window remain. */
  next?: string;
  /** Rows the page's reads brought into the hub, at most about `bound` + MAX_ROUNDS (tests and logs). */
  rowsRead: number;
}

/**
 * The rows a page holds at most, unless its one day holds more (up to HISTORY_MAX_ROWS). A page's cost is its rows:
 * the statement's, the driver's and the JSON's; 7,000-row pages took 150 ms at the median and 500 MB of hub RSS
 * in the scale bench at 5M events (BENCHMARKS.md, Session 6), 2,000 answer a 30-day page well inside 50 ms.
 */
export const USAGE_PAGE_ROWS = 2_000;

/** Reads of one page at most: the first from the estimate, then from the measured density. */
const MAX_ROUNDS = 3;
/**
 * A read covers at most the days that READ_AHEAD pages would fill at the upper estimate, whatever the density seen:
 * a sample of quiet newest days (a weekend, an idle week) once made one read aggregate the whole rest of the window.
 */
const READ_AHEAD = 4;

const DAY_MS = 86_400_000;
const addDays = (date: string, n: number) =>
  new Date(Date.parse(date) + n * DAY_MS).toISOString().slice(0, 10);
const later = (a: string, b: string) => (a > b ? a : b);
const earlier = (a: string, b: string) => (a < b ? a : b);
const daysBetween = (first: string, last: string) =>
  Math.round((Date.parse(last) - Date.parse(first)) / DAY_MS) + 1;

/** Per runtime and day, the rows of the default view at most: the kept models plus `other`. */
const RUNTIME_DAY_ROWS = HISTORY_TOP_MODELS + 1;

/**
 * Estimates of the rows of one local day of `w`, from cheap facts. `upper`: the runtimes in scope with any usage in
 * the window (an EXISTS probe per runtime on the primary keys of its daily rollup and daily totals) times the
 * provider/model pairs the workspace used in it (`pairs`, with the daily totals'), at most RUNTIME_DAY_ROWS per runtime. `sampled`: the fullest of
 * the newest UTC dates of the window in the runtimes' daily rollup (runtime × model rows, at most RUNTIME_DAY_ROWS
 * per runtime; 0 when they hold none) — the upper estimate assumes every runtime uses every model every day, which
 * at the benchmark's fleet is twice the rows a day holds and made each page two reads. The window is widened by a
 * day each side: a local day overlaps up to three UTC dates.
 */
export async function dayRowsEstimate(
  sql: Sql,
  workspaceId: string,
  runtimeId: string | null,
  w: HistoryWindow,
): Promise<{ upper: number; sampled: number; pairs: number }> {
  const [row] = await sql.query<{ runtimes: number; pairs: number; sampled: number | null }>(
    `WITH rt AS (SELECT id FROM runtimes WHERE workspace_id = $1 AND ($2::uuid IS NULL OR id = $2::uuid))
     SELECT (SELECT count(*) FROM rt
             WHERE EXISTS (SELECT FROM usage_runtime_daily_rolled d
                           WHERE d.runtime_id = rt.id AND d.day BETWEEN $3::date - 1 AND $4::date + 1)
                OR EXISTS (SELECT FROM usage_daily_totals t
                           WHERE t.runtime_id = rt.id AND t.date BETWEEN $3::date AND $4::date)
                -- The hours from the runtime levels' watermark on (usage_quarter's, runtime-levels.ts), probed only
                -- for a runtime with none before it: the view would be planned and its tail read for every runtime.
                OR EXISTS (SELECT FROM usage_quarter q
                           WHERE q.runtime_id = rt.id AND q.bucket >= (SELECT levels_from FROM usage_runtime_levels)
                             AND q.bucket < ($4::date + 2)::timestamp AT TIME ZONE 'UTC'
                             AND q.bucket >= ($3::date - 1)::timestamp AT TIME ZONE 'UTC'))::int AS runtimes,
            (SELECT count(*) FROM (
               SELECT provider, model FROM usage_workspace_daily
               WHERE workspace_id = $1 AND day BETWEEN $3::date - 1 AND $4::date + 1
               UNION
               SELECT provider, model FROM usage_daily_totals
               WHERE runtime_id = ANY (ARRAY(SELECT id FROM rt)) AND date BETWEEN $3::date AND $4::date
             ) AS p)::int AS pairs,
            (SELECT max(n) FROM (
               SELECT sum(least(c, $5)) AS n FROM (
                 -- The levels' table, not the view: a sample, which leaves out the hour or two of the newest
                 -- date past the watermark (merging usage_quarter's tail in cost ~2 ms a page at 200 runtimes).
                 SELECT d.day, count(*) AS c FROM usage_runtime_daily_rolled d
                 WHERE d.runtime_id = ANY (ARRAY(SELECT id FROM rt))
                   AND d.day BETWEEN greatest($4::date - 2, $3::date - 1) AND $4::date + 1
                 GROUP BY d.runtime_id, d.day
               ) AS per_runtime GROUP BY day
             ) AS per_day)::int AS sampled`,
    [workspaceId, runtimeId, w.startDate, w.endDate, RUNTIME_DAY_ROWS],
    // Named: prepared once per connection, so a page skips its parse and, once Postgres settles on a generic plan,
    // its planning (the watermark's branch made both dearer: BENCHMARKS.md, session 12, hL3).
    'rh_usage_day_estimate',
  );
  const upper = (row?.runtimes ?? 0) * Math.min(RUNTIME_DAY_ROWS, Math.max(1, row?.pairs ?? 0));
  return { upper, sampled: row?.sampled ?? 0, pairs: row?.pairs ?? 0 };
}

/**
 * The newest local day of `w` (in its zone) that may hold usage of the runtimes in scope, or null when none can:
 * the local day of the end of the newest hour with usage before the end of `w`, or the newest daily total's date.
 * One backward probe per runtime on the primary keys of its hourly rollup and daily totals; a filter only narrows
 * the rows, so this never skips a day that has some.
 */
export async function newestUsageDay(
  sql: Sql,
  workspaceId: string,
  runtimeId: string | null,
  w: HistoryWindow,
): Promise<string | null> {
  const [row] = await sql.query<{ rolled: string | null; totals: string | null }>(
    `WITH rt AS (SELECT id FROM runtimes WHERE workspace_id = $1 AND ($2::uuid IS NULL OR id = $2::uuid))
     SELECT to_char((greatest(
                      (SELECT max((SELECT max(h.hour) FROM usage_runtime_hourly_rolled h
                                   WHERE h.runtime_id = rt.id
                                     AND h.hour < (($4::date + 1)::timestamp AT TIME ZONE $5)
                                     AND h.hour > ($3::date::timestamp AT TIME ZONE $5) - interval '1 hour'))
                       FROM rt),
                      -- The hours from the runtime levels' watermark on are usage_quarter's (runtime-levels.ts):
                      -- read apart, in one range scan for every runtime (a max over the view read every hour of the
                      -- runtime: no backward probe through its grouped branch; a probe per runtime cost 3.4 ms for
                      -- 200 runtimes).
                      (SELECT date_trunc('hour', max(q.bucket), 'UTC') FROM usage_quarter q
                       -- (Skipped at once when the window ends before the watermark: a one-time filter.)
                       WHERE (SELECT levels_from FROM usage_runtime_levels) < (($4::date + 1)::timestamp AT TIME ZONE $5)
                         AND q.runtime_id = ANY (ARRAY(SELECT id FROM rt))
                         AND q.bucket >= rh_levels_from()
                         AND date_trunc('hour', q.bucket, 'UTC') < (($4::date + 1)::timestamp AT TIME ZONE $5)
                         AND date_trunc('hour', q.bucket, 'UTC')
                             > ($3::date::timestamp AT TIME ZONE $5) - interval '1 hour'))
                     + interval '1 hour' - interval '1 microsecond') AT TIME ZONE $5,
                    'YYYY-MM-DD') AS rolled,
            to_char((SELECT max((SELECT max(t.date) FROM usage_daily_totals t
                                 WHERE t.runtime_id = rt.id AND t.date BETWEEN $3::date AND $4::date))
                     FROM rt), 'YYYY-MM-DD') AS totals`,
    [workspaceId, runtimeId, w.startDate, w.endDate, w.tz],
    // Named, as dayRowsEstimate's statement is.
    'rh_newest_usage_day',
  );
  const days = [row?.rolled, row?.totals].filter((d): d is string => d != null);
  if (days.length === 0) return null;
  // The end of an hour with usage may fall past the window's end (zones of a half or quarter hour).
  const day = earlier(days.reduce(later), w.endDate);
  return day >= w.startDate ? day : null;
}

/**
 * The page of the default rows of `w` holding the newest days before `before` (the whole window when undefined);
 * `[]` when `before` is at or before the window's first day. `bound` (the page's rows) and `dayBound` (the rows of a
 * page of one day) are USAGE_PAGE_ROWS and HISTORY_MAX_ROWS but for tests. Every read goes through `sql`: the
 * route's snapshot.
 */
export async function usagePage(
  sql: Sql,
  workspaceId: string,
  runtimeId: string | null,
  w: HistoryWindow,
  before?: string,
  filter: UsageFilter = {},
  bound: number = USAGE_PAGE_ROWS,
  dayBound: number = Math.max(bound, HISTORY_MAX_ROWS),
  source: ViewSource = viewSource,
): Promise<UsagePage> {
  const last = before !== undefined && before <= w.endDate ? addDays(before, -1) : w.endDate;
  if (last < w.startDate) return { rows: [], rowsRead: 0 };
  const estimate = await dayRowsEstimate(sql, workspaceId, runtimeId, { ...w, endDate: last });
  // The sample when there is one: its days may be quieter than older ones (a weekend), but a chunk that reads more
  // than fits is cut to whole days, and one that reads too few is followed by another read.
  const perDay = estimate.sampled > 0 ? Math.min(estimate.upper, estimate.sampled) : estimate.upper;
  let rows: DailyUsage[] = [];
  let cursor = last;
  // No usage in scope (upper 0): the window holds no rows, however many days it spans.
  const atMost = (days: number) =>
    estimate.upper > 0
      ? Math.min(days, Math.max(1, Math.floor((READ_AHEAD * bound) / estimate.upper)))
      : daysBetween(w.startDate, last);
  let span = atMost(perDay > 0 ? Math.max(1, Math.floor(bound / perDay)) : Number.POSITIVE_INFINITY);
  // No runtime's day can hold more models than the window's pairs: then the ranking of its models is left out.
  const folds = { topModels: estimate.pairs > HISTORY_TOP_MODELS, maxDayRows: null };
  let rowsRead = 0;
  const read = async (first: string, end: string, dayFolds: DayFolds) => {
    const got = await usageByDay(
      sql,
      workspaceId,
      runtimeId,
      { ...w, startDate: first, endDate: end },
      filter,
      source,
      dayFolds,
    );
    rowsRead += got.length;
    return got;
  };
  let lastReadEmpty = estimate.sampled === 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    if (lastReadEmpty) {
      // Days without usage cost nothing to page through: straight to the newest day that may have some.
      const newest = await newestUsageDay(sql, workspaceId, runtimeId, { ...w, endDate: cursor });
      if (newest === null) {
        cursor = addDays(w.startDate, -1);
        break;
      }
      cursor = earlier(cursor, newest);
    }
    const first = later(addDays(cursor, 1 - span), w.startDate);
    // One row past the bound is enough to tell where the page's last whole day ends.
    const got = await read(first, cursor, { ...folds, maxRows: bound - rows.length + 1 });
    lastReadEmpty = got.length === 0;
    rows = rows.concat(got);
    cursor = addDays(first, -1);
    // Full enough, or nothing left: cut and answer. Otherwise read as many more days as the density seen so far fills.
    if (rows.length * 2 >= bound || cursor < w.startDate) break;
    const density = rows.length / daysBetween(addDays(cursor, 1), last);
    span = atMost(
      density > 0 ? Math.max(1, Math.floor((bound - rows.length) / density)) : Number.POSITIVE_INFINITY,
    );
  }
  // No usage left in the older days of the window: this is the last page (no link to an empty one).
  if (rows.length <= bound && cursor >= w.startDate) {
    if ((await newestUsageDay(sql, workspaceId, runtimeId, { ...w, endDate: cursor })) === null)
      cursor = addDays(w.startDate, -1);
  }
  // The page's first day alone past the bound: that day whole, or folded past dayBound (thousands of runtimes busy).
  const newest = rows[0]?.date;
  if (newest !== undefined && rows[bound]?.date === newest) {
    const day = await read(newest, newest, { ...folds, maxDayRows: dayBound });
    return newest > w.startDate ? { rows: day, next: newest, rowsRead } : { rows: day, rowsRead };
  }
  return { ...cut(rows, bound, addDays(cursor, 1), w.startDate), rowsRead };
}

/**
 * The newest whole days of `rows` (newest first) that fit in `bound`; `oldest` is the first day read. The page's
 * oldest date is the day after the first day left out (days without rows before it belong to this page).
 */
function cut(
  rows: DailyUsage[],
  bound: number,
  oldest: string,
  windowStart: string,
): Omit<UsagePage, 'rowsRead'> {
  let end = rows.length;
  let pageOldest = oldest;
  if (rows.length > bound) {
    // The first row past the bound: its whole day is left out, and every older one.
    const outDate = rows[bound]!.date;
    end = rows.findIndex((r) => r.date === outDate);
    pageOldest = addDays(outDate, 1);
  }
  const page = end === rows.length ? rows : rows.slice(0, end);
  return pageOldest > windowStart ? { rows: page, next: pageOldest } : { rows: page };
}
