/**
 * Coarse rollups beside the fine one, so a long history view reads rows in proportion to its window and answer,
 * not to the fleet: per workspace × UTC hour × provider × model (the workspace's model view: 24 × days × models
 * rows whatever the number of runtimes). Kept exact by the same statements that keep the fine rollup: each adds
 * the CTE below over the differences it applies (`deltas`), so a commit changes every level or none.
 *
 * Every commit of a workspace touches the same few rows of the current hour, so concurrent writers (the sharded
 * group-commit writers, other nodes) take their row locks in one sorted order: they queue for the moment between
 * this upsert and their commit, and never deadlock.
 */
import { TOKEN_KINDS } from '../../shared';

/** Cost columns every rollup level carries, as the fine rollup does. */
const COST = ['cost_usd', 'agent_tokens', 'unpriced_tokens'] as const;
const SUMMED = [...TOKEN_KINDS, ...COST];

/**
 * A CTE (`, workspace_rolled AS (…)`) to append to a WITH whose CTE `deltas` holds the rollup differences of a
 * write (columns runtime_id, `bucket` (a UTC instant inside the hour), provider, model, the token kinds and the
 * cost columns).
 */
export function workspaceRollupCte(deltas: string, bucket: string): string {
  return `,
     workspace_deltas AS (
       SELECT r.workspace_id, date_trunc('hour', d.${bucket}, 'UTC') AS hour, d.provider, d.model,
              ${SUMMED.map((c) => `sum(d.${c}) AS ${c}`).join(', ')}
       FROM ${deltas} d JOIN runtimes r ON r.id = d.runtime_id
       GROUP BY 1, 2, 3, 4
     ),
     workspace_rolled AS (
       INSERT INTO usage_workspace_hourly AS h (workspace_id, hour, provider, model, ${SUMMED.join(', ')})
       SELECT * FROM workspace_deltas ORDER BY workspace_id, hour, provider, model
       ON CONFLICT (workspace_id, hour, provider, model) DO UPDATE SET
         ${SUMMED.map((c) => `${c} = h.${c} + excluded.${c}`).join(', ')}
     )`;
}

/**
 * The same for a reprice, which moves cost only: `deltas` holds runtime_id, `bucket`, provider, model and the
 * differences of the three cost columns as cost, agent, unpriced.
 */
export function workspaceRepriceCte(deltas: string, bucket: string): string {
  return `,
     workspace_repriced AS (
       UPDATE usage_workspace_hourly h SET cost_usd = h.cost_usd + x.cost, agent_tokens = h.agent_tokens + x.agent,
         unpriced_tokens = h.unpriced_tokens + x.unpriced
       FROM (
         SELECT r.workspace_id, date_trunc('hour', d.${bucket}, 'UTC') AS hour, d.provider, d.model,
                sum(d.cost) AS cost, sum(d.agent) AS agent, sum(d.unpriced) AS unpriced
         FROM ${deltas} d JOIN runtimes r ON r.id = d.runtime_id
         GROUP BY 1, 2, 3, 4
       ) x
       WHERE h.workspace_id = x.workspace_id AND h.hour = x.hour AND h.provider = x.provider AND h.model = x.model
     )`;
}
