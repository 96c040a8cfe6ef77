/**
 * The grouped history view: usage per local day × one dimension (project, user, session, model or runtime),
 * read from the same rows as usageByDay, so its sums equal the raw events plus the daily totals exactly. The
 * answer is bounded: the top GROUPS_TOP_KEYS keys of the whole window keep their rows, the rest fold into one key.
 */
import { FOLDED_GROUP, type GroupBy, type GroupedUsageRow, NO_ATTRIBUTION, TOKEN_KINDS } from '../../shared';
import type { Sql } from './database';
import { type HistoryWindow, readView, type UsageFilter } from './usage-source';
import { type ViewSource, viewSource } from './usage-source-coarse';
import { HISTORY_MAX_ROWS, windowDays } from './usage-views';

/** Keys of the whole window kept apart, ranked by known cost then tokens; the rest fold into FOLDED_GROUP. */
export const GROUPS_TOP_KEYS = 20;

/**
 * Keys of `groupBy` kept apart over a window of `days`. Runtimes are the fleet's list, where a runtime folded away
 * would show no figures: they keep as many as the row bound allows (one row a day each, plus the fold), so every
 * runtime of a 1,000-runtime workspace keeps its own 7-day row. The other dimensions keep GROUPS_TOP_KEYS.
 */
export function groupKeysKept(groupBy: GroupBy, days: number): number {
  if (groupBy !== 'runtime') return GROUPS_TOP_KEYS;
  return Math.max(GROUPS_TOP_KEYS, Math.floor(HISTORY_MAX_ROWS / days) - 1);
}

/** A grouped row as the store answers it (unpriced_tokens always present). */
export type GroupedUsage = GroupedUsageRow & { unpriced_tokens: number };

/** SQL of each dimension's key over `src`; usage without the attribution (daily totals too) is NO_ATTRIBUTION. */
const KEY_OF: Record<GroupBy, string> = {
  project: `coalesce(nullif(project, ''), '${NO_ATTRIBUTION}')`,
  user: `coalesce(nullif(user_name, ''), '${NO_ATTRIBUTION}')`,
  session: `coalesce(nullif(session_id, ''), '${NO_ATTRIBUTION}')`,
  model: 'model',
  runtime: 'runtime_id::text',
};

/**
 * Rows of one runtime (or the workspace when runtimeId is null) per local day × key of `groupBy`, newest day
 * first then key (byte order). At most (groupKeysKept + 1) × days rows. cost_usd is null when any token of the
 * row has no known price; ranking counts such tokens as costing nothing. `source` chooses the rows read.
 */
export async function usageByGroup(
  sql: Sql,
  workspaceId: string,
  runtimeId: string | null,
  w: HistoryWindow,
  groupBy: GroupBy,
  filter: UsageFilter = {},
  source: ViewSource = viewSource,
): Promise<GroupedUsage[]> {
  const { ctes, params } = source(workspaceId, runtimeId, w, filter, groupBy);
  const sums = TOKEN_KINDS.map((k) => `sum(${k}) AS ${k}`).join(', ');
  const sumTotal = TOKEN_KINDS.map((k) => `sum(${k})`).join(' + ');
  const top = `$${params.length + 1}`;
  // A real value spelled like the folded key merges with it, so a day never holds two rows of one key.
  const key = `CASE WHEN r.key_rank <= ${top} THEN b.key ELSE '${FOLDED_GROUP}' END`;
  return readView<GroupedUsage>(
    sql,
    `WITH ${ctes},
     by_key AS (
       SELECT date, ${KEY_OF[groupBy]} AS key, ${sums},
              sum(cost) AS cost, sum(unpriced) AS unpriced
       FROM src
       GROUP BY 1, 2
       -- A replaced event that moved leaves a zero row behind: not "any usage".
       HAVING ${sumTotal} > 0
     ),
     ranked AS (
       SELECT key, row_number() OVER (ORDER BY sum(cost) DESC, ${sumTotal} DESC, key COLLATE "C") AS key_rank
       FROM by_key
       GROUP BY key
     )
     SELECT to_char(b.date, 'YYYY-MM-DD') AS date, ${key} AS key, ${sums},
            CASE WHEN sum(b.unpriced) > 0 THEN NULL ELSE round(sum(b.cost), 9)::float8 END AS cost_usd,
            sum(b.unpriced)::float8 AS unpriced_tokens
     FROM by_key b JOIN ranked r ON r.key = b.key
     GROUP BY b.date, ${key}
     ORDER BY b.date DESC, ${key} COLLATE "C"`,
    [...params, groupKeysKept(groupBy, windowDays(w))],
  );
}
