/**
 * The default history view's folding as it was before its rows passed through the folds unsummed (commit 0c1dd57 of
 * server/store/usage-views.ts): every step sums every row again, text sorts use the database's collation. Kept as
 * the reference the store's usageByDay must equal row for row (tests/integration/default-view-folds-exact.test.ts),
 * and the pages of usagePage concatenated (the same test; bounded-history.test.ts). Each day keeps its `rowsPerDay`
 * largest rows and folds the rest into one row of FOLDED_RUNTIME_ID: none fold by default (the paged answer folds
 * only a single day past the bound, which tests compare with `rowsPerDay` = the bound - 1).
 */
import {
  type DailyUsage,
  FOLDED,
  FOLDED_RUNTIME_ID,
  fineSource,
  HISTORY_TOP_MODELS,
  type HistoryWindow,
  readView,
  type Sql,
  type ViewSource,
} from '../../server/store';
import { TOKEN_KINDS } from '../../shared';

export async function referenceUsageByDay(
  sql: Sql,
  workspaceId: string,
  runtimeId: string | null,
  w: HistoryWindow,
  source: ViewSource = fineSource,
  rowsPerDay: number = Number.MAX_SAFE_INTEGER,
): Promise<DailyUsage[]> {
  const { ctes, params } = source(workspaceId, runtimeId, w, {});
  const sums = TOKEN_KINDS.map((k) => `sum(${k}) AS ${k}`).join(', ');
  const costSums = 'sum(cost) AS cost, sum(agent) AS agent, sum(unpriced) AS unpriced';
  const sumTotal = TOKEN_KINDS.map((k) => `sum(${k})`).join(' + ');
  const foldedProvider = `CASE WHEN min(provider) = max(provider) THEN min(provider) ELSE '${FOLDED}' END`;
  const top = `$${params.length + 1}`;
  const perDay = `$${params.length + 2}`;
  return readView<DailyUsage>(
    sql,
    `WITH ${ctes},
     by_model AS (
       SELECT runtime_id, date, provider, model, ${sums}, ${costSums},
              row_number() OVER (PARTITION BY runtime_id, date ORDER BY ${sumTotal} DESC, provider, model) AS model_rank
       FROM src
       GROUP BY runtime_id, date, provider, model
       HAVING ${sumTotal} > 0
     ),
     top_models AS (
       SELECT runtime_id, date,
              CASE WHEN bool_and(model_rank <= ${top}) THEN min(provider) ELSE ${foldedProvider} END AS provider,
              CASE WHEN bool_and(model_rank <= ${top}) THEN min(model) ELSE '${FOLDED}' END AS model, ${sums},
              ${costSums},
              row_number() OVER (PARTITION BY date
                ORDER BY ${sumTotal} DESC, runtime_id, min(provider), min(model)) AS row_rank
       FROM by_model
       GROUP BY runtime_id, date, CASE WHEN model_rank <= ${top} THEN model_rank END
     )
     SELECT CASE WHEN bool_and(row_rank <= ${perDay}) THEN min(runtime_id::text) ELSE '${FOLDED_RUNTIME_ID}' END
              AS runtime_id,
            to_char(date, 'YYYY-MM-DD') AS date,
            CASE WHEN bool_and(row_rank <= ${perDay}) THEN min(provider) ELSE ${foldedProvider} END AS provider,
            CASE WHEN bool_and(row_rank <= ${perDay}) THEN min(model) ELSE '${FOLDED}' END AS model, ${sums},
            CASE WHEN sum(unpriced) > 0 THEN NULL ELSE round(sum(cost), 9)::float8 END AS cost_usd,
            sum(agent)::float8 AS agent_tokens, sum(unpriced)::float8 AS unpriced_tokens
     FROM top_models
     GROUP BY date, CASE WHEN row_rank <= ${perDay} THEN row_rank END
     ORDER BY date DESC, 1, 3, 4`,
    [...params, HISTORY_TOP_MODELS, rowsPerDay],
  );
}
