/**
 * SQL fragments over the token and cost columns, built from TOKEN_KINDS so every statement that sums or copies
 * them follows the one list in shared/.
 */
import { TOKEN_KINDS } from '../../shared';

/** The token columns, in TOKEN_KINDS order, for column lists. */
export const KIND_COLUMNS = TOKEN_KINDS.join(', ');
/** SQL for the total (totalOf) of the row `alias`. */
export const sumOf = (alias: string) => TOKEN_KINDS.map((c) => `${alias}.${c}`).join(' + ');
/** SQL for an event row's cost columns of the rollup: known cost, agent-priced tokens, unpriced tokens. */
export const eventCostColumns = (alias: string, sign = '') =>
  `${sign}coalesce(${alias}.cost_usd, 0), ` +
  `${sign}CASE WHEN ${alias}.cost_source = 'agent' THEN ${sumOf(alias)} ELSE 0 END, ` +
  `${sign}CASE WHEN ${alias}.cost_usd IS NULL THEN ${sumOf(alias)} ELSE 0 END`;
/** The rollup's cost columns, in eventCostColumns order. */
export const ROLLUP_COST = 'cost_usd, agent_tokens, unpriced_tokens';
/** Every summed column of a rollup row: the token kinds, then the cost columns. */
export const ROLLUP_SUMS: readonly string[] = [...TOKEN_KINDS, ...ROLLUP_COST.split(', ')];
/** The attribution columns of events (nullable) and of the rollup key ('' for none). */
export const ATTRIBUTION_COLUMNS = ['project', 'user_name', 'session_id'] as const;
/** The attribution columns as a list. */
export const ATTRIBUTION = ATTRIBUTION_COLUMNS.join(', ');
/** SQL of the rollup key's attribution values of the event row `alias`. */
export const attributionKey = (alias: string) =>
  ATTRIBUTION_COLUMNS.map((c) => `coalesce(${alias}.${c}, '')`).join(', ');
/** SQL of the UTC quarter-hour holding `ts` (the rollup's bucket; every zone's days are whole quarters). */
export const quarterOf = (ts: string) =>
  `date_bin('15 minutes', ${ts}, timestamptz '2000-01-01 00:00:00+00')`;
