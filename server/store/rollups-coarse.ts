/**
 * Coarse rollups beside the fine one, so views that ask for no attribution read rows in proportion to their
 * window, not to the fleet or to attribution: per workspace × provider × model (the workspace's model view: 24 ×
 * days × models rows whatever the number of runtimes) and per runtime × provider × model (a runtime's views, the
 * workspace's runtime × model views), each per UTC hour and per UTC date (one row a day for a zone whose local day
 * is a UTC day). Kept exact by the statements that keep the fine rollup: each appends the CTEs below over the
 * differences it applies (`deltas`), so a commit changes every level or none. The cost of each level to a commit
 * is measured by bench/scale-write-cost.ts (BENCHMARKS.md).
 *
 * Every commit of a workspace touches the same few workspace rows of the current hour, so concurrent writers (the
 * sharded group-commit writers, other nodes) take those row locks in one sorted order: they queue for the moment
 * between this upsert and their commit, and never deadlock. The runtime levels are locked in runtime order, as
 * the fine rollup is.
 */
import { TOKEN_KINDS } from '../../shared';

/** Cost columns every rollup level carries, as the fine rollup does. */
const COST = ['cost_usd', 'agent_tokens', 'unpriced_tokens'] as const;
const SUMMED = [...TOKEN_KINDS, ...COST];

interface Level {
  /** CTE name prefix. */
  name: string;
  table: string;
  /** The scope column: a workspace's rollup joins runtimes to find it. */
  scope: 'workspace_id' | 'runtime_id';
  /** The time column: a UTC hour (timestamptz) or a UTC date. */
  grain: 'hour' | 'day';
}

export const COARSE_LEVELS: Level[] = [
  { name: 'workspace_hourly', table: 'usage_workspace_hourly', scope: 'workspace_id', grain: 'hour' },
  { name: 'workspace_daily', table: 'usage_workspace_daily', scope: 'workspace_id', grain: 'day' },
  { name: 'runtime_hourly', table: 'usage_runtime_hourly_rolled', scope: 'runtime_id', grain: 'hour' },
  { name: 'runtime_daily', table: 'usage_runtime_daily_rolled', scope: 'runtime_id', grain: 'day' },
];

const scopeOf = (l: Level) => (l.scope === 'workspace_id' ? 'r.workspace_id' : 'd.runtime_id');
const from = (l: Level, deltas: string) =>
  l.scope === 'workspace_id' ? `${deltas} d JOIN runtimes r ON r.id = d.runtime_id` : `${deltas} d`;
const timeOf = (l: Level, bucket: string) =>
  l.grain === 'hour' ? `date_trunc('hour', d.${bucket}, 'UTC')` : `(d.${bucket} AT TIME ZONE 'UTC')::date`;

/**
 * CTEs (`, <level>_rolled AS (…)` per level) to append to a WITH whose CTE `deltas` holds the rollup differences
 * of a write: columns runtime_id, `bucket` (a UTC instant inside the hour), provider, model, the token kinds and
 * the cost columns. The runtime levels take only the differences of quarters before `levelsFrom` (an SQL
 * expression: the watermark the write read under the levels' lock, runtime-levels.ts); the later ones reach them
 * by the roll step.
 */
export function coarseRollupCtes(deltas: string, bucket: string, levelsFrom: string): string {
  return COARSE_LEVELS.map(
    (l) => `,
     ${l.name}_rolled AS (
       INSERT INTO ${l.table} AS h (${l.scope}, ${l.grain}, provider, model, ${SUMMED.join(', ')})
       SELECT ${scopeOf(l)}, ${timeOf(l, bucket)}, d.provider, d.model, ${SUMMED.map((c) => `sum(d.${c})`).join(', ')}
       FROM ${from(l, deltas)}${
         l.scope === 'runtime_id'
           ? `
       WHERE d.${bucket} < ${levelsFrom}`
           : ''
       }
       GROUP BY 1, 2, 3, 4
       ORDER BY 1, 2, 3, 4
       ON CONFLICT (${l.scope}, ${l.grain}, provider, model) DO UPDATE SET
         ${SUMMED.map((c) => `${c} = h.${c} + excluded.${c}`).join(', ')}
     )`,
  ).join('');
}

/**
 * The same for a reprice, which moves cost only: `deltas` holds runtime_id, `bucket`, provider, model and the
 * differences of the three cost columns as cost, agent, unpriced. It updates the rows that exist: the runtime levels
 * have none at or after their watermark (those hours are read from usage_quarter, which the reprice updates), and
 * the reprice holds the levels' lock shared (lockRuntimes), so the roll cannot move them meanwhile.
 */
export function coarseRepriceCtes(deltas: string, bucket: string): string {
  return COARSE_LEVELS.map(
    (l) => `,
     ${l.name}_repriced AS (
       UPDATE ${l.table} h SET cost_usd = h.cost_usd + x.cost, agent_tokens = h.agent_tokens + x.agent,
         unpriced_tokens = h.unpriced_tokens + x.unpriced
       FROM (
         SELECT ${scopeOf(l)} AS scope, ${timeOf(l, bucket)} AS t, d.provider, d.model,
                sum(d.cost) AS cost, sum(d.agent) AS agent, sum(d.unpriced) AS unpriced
         FROM ${from(l, deltas)}
         GROUP BY 1, 2, 3, 4
       ) x
       WHERE h.${l.scope} = x.scope AND h.${l.grain} = x.t AND h.provider = x.provider AND h.model = x.model
     )`,
  ).join('');
}
