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

/** Filter field → rollup column. */
const FILTER_COLUMNS = { project: 'project', user: 'user_name', session: 'session_id' } as const;

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
 * CTEs `rt` (the runtimes in scope) and `src` (SOURCE_COLUMNS) for a view, with its parameters: $1 workspace,
 * $2 runtime (or null for all), $3/$4 first/last date, $5 zone, then the filter values. Further parameters of
 * the caller follow from `params.length + 1`.
 */
export function usageSource(
  workspaceId: string,
  runtimeId: string | null,
  w: HistoryWindow,
  filter: UsageFilter = {},
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
  const total = TOKEN_KINDS.map((k) => `d.${k}`).join(' + ');
  const daily = `
       UNION ALL
       SELECT d.runtime_id, d.date, d.provider, d.model, '', '', '', ${counts}, coalesce(d.cost_usd, 0), 0,
              CASE WHEN d.cost_usd IS NULL THEN ${total} ELSE 0 END
       FROM usage_daily_totals d
       WHERE d.runtime_id IN (SELECT id FROM rt) AND d.date BETWEEN $3::date AND $4::date`;
  const ctes = `rt AS (
       SELECT id FROM runtimes WHERE workspace_id = $1 AND ($2::uuid IS NULL OR id = $2::uuid)
     ),
     src (${SOURCE_COLUMNS.join(', ')}) AS (
       SELECT q.runtime_id, (q.bucket AT TIME ZONE $5)::date AS date, q.provider, q.model, q.project, q.user_name,
              q.session_id, ${counts}, q.cost_usd, q.agent_tokens, q.unpriced_tokens
       FROM usage_quarter q
       WHERE q.runtime_id IN (SELECT id FROM rt)
         AND q.bucket >= ($3::date::timestamp AT TIME ZONE $5)
         AND q.bucket < (($4::date + 1)::timestamp AT TIME ZONE $5)
         ${conditions.join(' ')}${dailyTotals ? daily : ''}
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
