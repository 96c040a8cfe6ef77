/**
 * The calendar of a window for the coarse sources (usage-source-coarse.ts). HOUR_CALENDAR: which local days are
 * UTC days and which hours make up the others. CALENDAR (workspace-wide views): which UTC date stands for each local
 * day, and which UTC hours then have to be taken from it or added to it. A local day is read as the UTC date it
 * overlaps most (its main date: one daily row per scope × model) minus that date's hours that lie outside the local
 * day plus the hours of its other dates that lie inside it. In a zone whose days are UTC days no hour is read; in
 * Los Angeles a third of them, in Kolkata a quarter (instead of every hour of every local day before).
 *
 * For each UTC hour h: `main_of` is the local day whose main date holds h (null when that date stands for no day of
 * the window) and `own` the local day that holds all of h (null outside the window and for an hour split by a local
 * midnight, whose quarter-hours are read instead). Where they differ, h is subtracted from `main_of` and added to
 * `own`, so each local day sums exactly the hours it holds — the arithmetic is numeric, the sums are exact.
 * Uses $3/$4/$5 (first/last local date, zone) and the CTE `local_days` (usage-source.ts) through localDate.
 */
import { localDate } from './usage-source';

/** The window's first instant and the instant after it (local midnights in UTC), as the quarter-hour path bounds it. */
export const WINDOW_START = `($3::date::timestamp AT TIME ZONE $5)`;
export const WINDOW_STOP = `(($4::date + 1)::timestamp AT TIME ZONE $5)`;

/**
 * CTEs `days` (each local date of the window and its bounds, local midnights, in UTC) and `split` (UTC hours that
 * hold a local midnight inside them: never in a zone of whole-hour offsets).
 */
const DAYS_AND_SPLIT = `days AS (
       SELECT g.d::date AS date, g.d::date::timestamp AT TIME ZONE $5 AS start,
              (g.d::date + 1)::timestamp AT TIME ZONE $5 AS stop
       FROM generate_series($3::date, $4::date, interval '1 day') AS g(d)
     ),
     split AS (
       SELECT date_trunc('hour', start, 'UTC') AS hour FROM days WHERE start <> date_trunc('hour', start, 'UTC')
       UNION
       SELECT date_trunc('hour', stop, 'UTC') FROM days WHERE stop <> date_trunc('hour', stop, 'UTC')
     )`;

/**
 * CTEs `days`, `split`, `whole_days` (local days that are UTC days), `part_days` (the others) and `hour_span` (the
 * first and last instant of the part days): for reading each local day at the coarsest grain inside it — the
 * daily rows of a whole day, the hours of the others — as one runtime's views do.
 */
export const HOUR_CALENDAR = `${DAYS_AND_SPLIT},
     whole_days AS (
       SELECT date FROM days
       WHERE start = date::timestamp AT TIME ZONE 'UTC' AND stop = (date + 1)::timestamp AT TIME ZONE 'UTC'
     ),
     part_days AS (
       SELECT date, start, stop FROM days WHERE date NOT IN (SELECT date FROM whole_days)
     ),
     hour_span AS (
       SELECT min(start) AS start, max(stop) AS stop FROM part_days
     )`;

/**
 * CTEs `days` (each local date and its bounds in UTC), `split` (UTC hours that hold a local midnight: never in a zone
 * of whole-hour offsets), `mains` (main date → local date; a UTC date claimed by two local days — possible only
 * around a transition — stands for the first, and the other reads all its hours), `main_map` (one row: `first`
 * main date and `dates`, the local date of each main date from `first` on, null for a date that stands for none),
 * `hour_map` (`main_of` and `own` of each hour of the span, from its `first`: hourDay) and `edge_ranges` (runs of
 * consecutive UTC hours [lo, hi) whose `main_of` and `own` differ).
 */
export const CALENDAR = `${DAYS_AND_SPLIT},
     -- The UTC date each local day overlaps most (the earliest on a tie).
     claims AS (
       SELECT DISTINCT ON (d.date) d.date, u.t::date AS main
       FROM days d CROSS JOIN LATERAL generate_series((d.start AT TIME ZONE 'UTC')::date,
         ((d.stop - interval '1 microsecond') AT TIME ZONE 'UTC')::date, interval '1 day') AS u(t)
       ORDER BY d.date, least(d.stop, (u.t::date + 1)::timestamp AT TIME ZONE 'UTC')
                - greatest(d.start, u.t::date::timestamp AT TIME ZONE 'UTC') DESC, u.t
     ),
     mains AS (
       SELECT DISTINCT ON (main) main, date FROM claims ORDER BY main, date
     ),
     main_map AS (
       SELECT min(u.t::date) AS first, array_agg(m.date ORDER BY u.t) AS dates
       FROM (SELECT min(main) AS lo, max(main) AS hi FROM mains) AS s
         CROSS JOIN generate_series(s.lo, s.hi, interval '1 day') AS u(t)
         LEFT JOIN mains m ON m.main = u.t::date
     ),
     edge_hours AS (
       SELECT u.hour,
              (SELECT dates FROM main_map)[(u.hour AT TIME ZONE 'UTC')::date - (SELECT first FROM main_map) + 1]
                AS main_of,
              CASE WHEN u.hour >= ${WINDOW_START} AND u.hour < ${WINDOW_STOP}
                        AND u.hour NOT IN (SELECT hour FROM split)
                   THEN ${localDate('u.hour')} END AS own
       FROM generate_series(
         date_trunc('hour', least(${WINDOW_START}, (SELECT first FROM main_map)::timestamp AT TIME ZONE 'UTC'), 'UTC'),
         greatest(${WINDOW_STOP}, ((SELECT max(main) FROM mains) + 1)::timestamp AT TIME ZONE 'UTC')
           - interval '1 microsecond',
         interval '1 hour') AS u(hour)
       -- Evaluated once: in a window of UTC days (UTC; London in winter) no hour differs, so none is generated.
       WHERE EXISTS (SELECT FROM days WHERE start <> date::timestamp AT TIME ZONE 'UTC'
                       OR stop <> (date + 1)::timestamp AT TIME ZONE 'UTC')
     ),
     -- Per hour of the span (from its first), the two local days, so a row finds them by subscript.
     hour_map AS (
       SELECT min(hour) AS first, array_agg(main_of ORDER BY hour) AS main_of, array_agg(own ORDER BY hour) AS own
       FROM edge_hours
     ),
     -- Runs of consecutive hours to correct, whichever days they move between: one index range per UTC date in
     -- Los Angeles or Kolkata (where the split hour and the hours after it are one run), not one per pair of days.
     edge_ranges AS (
       SELECT min(hour) AS lo, max(hour) + interval '1 hour' AS hi
       FROM (
         SELECT hour, hour - row_number() OVER (ORDER BY hour) * interval '1 hour' AS island
         FROM edge_hours WHERE main_of IS DISTINCT FROM own
       ) AS e
       GROUP BY island
     )`;

/** SQL: the `side` ('main_of' or 'own') local day of the UTC hour `hour` of the span (hour_map). */
export const hourDay = (side: 'main_of' | 'own', hour: string) =>
  `(SELECT ${side} FROM hour_map)[(date_part('epoch', ${hour} - (SELECT first FROM hour_map)) / 3600)::int + 1]`;

/** SQL: the local date the main date `day` stands for (null when none). */
export const mainOf = (day: string) =>
  `(SELECT dates FROM main_map)[${day} - (SELECT first FROM main_map) + 1]`;
