/**
 * The statements of the usage write function (usage-routine.ts, which says how it locks and why), and the batch's
 * row type they read: the event columns, the rollup key and sums, the insert of new keys, the CTE summing rollup
 * differences and the rollup tail every form of the write ends with.
 */
import { createHash } from 'node:crypto';
import { TOKEN_KINDS } from '../../shared';
import { coarseRollupCtes } from './rollups-coarse';
import {
  ATTRIBUTION,
  ATTRIBUTION_COLUMNS,
  attributionKey,
  eventCostColumns,
  KIND_COLUMNS,
  quarterOf,
  ROLLUP_COST,
  ROLLUP_SUMS,
} from './usage-columns';

/**
 * The columns an event row is written with — the key, then what may change when a larger snapshot replaces it —
 * with their types: the batch's own row type (BATCH_ROW_TYPE) is built from this list, so the hub's encoder
 * (usage-writes.ts, the same order) and the function read one list.
 */
const EVENT_COLUMN_TYPES: readonly (readonly [string, string])[] = [
  ['runtime_id', 'uuid'],
  ['id', 'text'],
  ['ts', 'timestamptz'],
  ['provider', 'text'],
  ['model', 'text'],
  ...TOKEN_KINDS.map((c) => [c, 'bigint'] as const),
  ['task_id', 'text'],
  ['cache_write_1h_tokens', 'bigint'],
  ['speed', 'text'],
  ['agent_cost_usd', 'numeric'],
  ['cost_usd', 'numeric'],
  ['cost_source', 'text'],
  ...ATTRIBUTION_COLUMNS.map((c) => [c, 'text'] as const),
];
export const EVENT_COLUMNS = EVENT_COLUMN_TYPES.map(([c]) => c);
/** The batch row's fields in order (what encodeUsageBatch spells; its unit test decodes rows with it). */
export const BATCH_ROW_FIELDS: readonly string[] = EVENT_COLUMNS;
/** The field list of the batch's row type (the order encodeUsageBatch spells a row in). */
export const ROW_FIELDS = EVENT_COLUMN_TYPES.map(([c, t]) => `${c} ${t}`).join(', ');
/** Versioned by its fields, as the function by its text: a node never reads rows of another version's layout. */
export const BATCH_ROW_TYPE = `rh_usage_row_${createHash('sha256').update(ROW_FIELDS).digest('hex').slice(0, 12)}`;
const LIST = EVENT_COLUMNS.join(', ');
/** SQL: the batch row of `alias`'s columns (a whole-row reference would carry an ordinality column too). */
export const BATCH_ROW_OF = (alias: string) =>
  `ROW(${EVENT_COLUMNS.map((c) => `${alias}.${c}`).join(', ')})::${BATCH_ROW_TYPE}`;
/** SQL: the event row `alias` names no project, user or session. */
export const unattributed = (alias: string) =>
  `(${ATTRIBUTION_COLUMNS.map((c) => `${alias}.${c} IS NULL`).join(' AND ')})`;
const ROLLUP_KEY = `runtime_id, bucket, provider, model, ${ATTRIBUTION}`;
/** How many of a batch's first keys are looked up to choose between a plain insert and ON CONFLICT. */
export const SAMPLED_KEYS = 8;
/** The rollup key, then the sums (usage_quarter's columns). */
export const ROLLUP_ROW = [...ROLLUP_KEY.split(', '), ...ROLLUP_SUMS];
/**
 * The types of ROLLUP_ROW's columns as the commit's `deltas` has them: the sums of each token kind bigint (a
 * numeric column here made every token sum of the commit numeric, where Postgres sums bigints in 128-bit integers:
 * measured slower), the cost columns numeric (agent and unpriced tokens sum all four kinds: past bigint in one
 * commit of 512 events of 2^53 tokens, tests/integration/rollup-overflow.test.ts).
 */
export const ROLLUP_TYPE: Record<string, string> = {
  runtime_id: 'uuid',
  bucket: 'timestamptz',
  provider: 'text',
  model: 'text',
  ...Object.fromEntries(ATTRIBUTION_COLUMNS.map((c) => [c, 'text'])),
  ...Object.fromEntries(
    ROLLUP_SUMS.map((c) => [c, (TOKEN_KINDS as readonly string[]).includes(c) ? 'bigint' : 'numeric']),
  ),
};
/** SQL: the rollup key and the sums (ROLLUP_SUMS order) the event row `alias` adds to usage_quarter. */
export const rollupColumns = (alias: string) =>
  `${alias}.runtime_id, ${quarterOf(`${alias}.ts`)}, ${alias}.provider, ${alias}.model, ${attributionKey(alias)}, ` +
  `${TOKEN_KINDS.map((c) => `${alias}.${c}`).join(', ')}, ${eventCostColumns(alias)}`;

/**
 * The statement inserting a batch's new keys with ON CONFLICT DO NOTHING (a batch that re-sends events), and summing
 * what they add to the rollup per rollup key into fresh_count and the fresh_<column> arrays, for the statement
 * after it (which needs a new snapshot: see below). Only the rollup columns are returned, and summed here: returning
 * whole rows (RETURNING e, array_agg) cost the backend about as much CPU as the insert itself (BENCHMARKS.md, hA).
 * The inserted keys are kept too (fresh_rt, fresh_id): the look-up of stored rows then skips them, one primary-key
 * descent less per new key (BENCHMARKS.md, hA2).
 */
export const INSERT_NEW = `WITH inserted AS (
      INSERT INTO usage_events AS e (${LIST})
      SELECT ${LIST} FROM unnest(batch_rows) WITH ORDINALITY AS r ORDER BY ordinality
      ON CONFLICT (runtime_id, id) DO NOTHING
      RETURNING ${rollupColumns('e')}, e.id
    ),
    grouped AS (
      SELECT ${ROLLUP_KEY}, ${ROLLUP_SUMS.map((c) => `sum(${c})::${ROLLUP_TYPE[c]} AS ${c}`).join(', ')}, count(*) AS n
      FROM inserted AS i(${ROLLUP_KEY}, ${ROLLUP_SUMS.join(', ')})
      GROUP BY ${ROLLUP_KEY}
    ),
    keys AS (
      SELECT array_agg(i.runtime_id) AS rt, array_agg(i.event_id) AS ids
      FROM inserted AS i(${ROLLUP_KEY}, ${ROLLUP_SUMS.join(', ')}, event_id)
    )
    SELECT coalesce(sum(g.n), 0), ${ROLLUP_ROW.map((c) => `array_agg(g.${c})`).join(', ')},
      (SELECT k.rt FROM keys AS k), (SELECT k.ids FROM keys AS k)
    INTO fresh_count, ${ROLLUP_ROW.map((c) => `fresh_${c}`).join(', ')}, fresh_rt, fresh_id
    FROM grouped AS g;`;

/**
 * SQL: the CTE `deltas`, the rollup differences per rollup key, summed from `source`'s rows (the rollup key, the
 * token kinds, then the event's cost columns as eventCostColumns spells them).
 */
export const deltasOf = (source: string) => `deltas AS (
    SELECT ${ROLLUP_KEY}, ${TOKEN_KINDS.map((c) => `sum(${c})::bigint AS ${c}`).join(', ')},
           sum(cost) AS cost_usd, sum(agent) AS agent_tokens, sum(unpriced) AS unpriced_tokens
    FROM ${source} AS c(${ROLLUP_KEY}, ${KIND_COLUMNS}, cost, agent, unpriced)
    GROUP BY ${ROLLUP_KEY}
  )`;

/** The coarse levels' CTEs as the write appends them (exported for bench/fleet-commit-split.ts's ablation). */
export const COARSE_ROLLUPS = coarseRollupCtes('deltas', 'bucket', 'levels_from_');

/**
 * The end of a write's statement, after its CTE `deltas`: the rollup levels in key order, the usage version bump,
 * and the answer (the rows of `deltas` that change something).
 */
export const ROLLUP_TAIL = `rolled AS (
    INSERT INTO usage_quarter AS h (${ROLLUP_KEY}, ${KIND_COLUMNS}, ${ROLLUP_COST})
    SELECT * FROM deltas ORDER BY ${ROLLUP_KEY}
    ON CONFLICT (${ROLLUP_KEY}) DO UPDATE SET
      ${ROLLUP_SUMS.map((c) => `${c} = h.${c} + excluded.${c}`).join(', ')}
    RETURNING 1
  )${COARSE_ROLLUPS},
  changed AS (
    SELECT * FROM deltas WHERE ${ROLLUP_SUMS.map((c) => `${c} <> 0`).join(' OR ')}
  ),
  bumped AS (
    -- Only after every rollup row is written (the count reads them all), in runtime order.
    UPDATE runtimes r SET usage_version = r.usage_version + 1
    FROM (SELECT DISTINCT c.runtime_id FROM changed c ORDER BY 1) AS c
    WHERE r.id = c.runtime_id AND (SELECT count(*) FROM rolled) >= 0
  )
  SELECT runtime_id, bucket, provider, model, ${ATTRIBUTION}, ${KIND_COLUMNS}, cost_usd, unpriced_tokens
  FROM changed;`;

/**
 * The whole write of a batch of new keys only, as one statement: the plain insert, its rollup differences summed
 * straight from the rows it returns, the rollup levels, the bump and the answer. No stored row is looked up, so no
 * second snapshot is needed, and the new rows' sums no longer go through the fresh_<column> arrays and a second
 * statement (BENCHMARKS.md, session 10, hP). Its locks come in the order every write takes them: the insert
 * consumes the whole batch, in key order, before `deltas` yields its first row, and only then are rollup rows and
 * runtimes written.
 */
export const PLAIN_INSERT = `WITH inserted AS (
        INSERT INTO usage_events AS e (${LIST})
        SELECT ${LIST} FROM unnest(batch_rows) WITH ORDINALITY AS r ORDER BY ordinality
        RETURNING ${rollupColumns('e')}
      ),
      ${deltasOf('inserted')},
      ${ROLLUP_TAIL}`;
