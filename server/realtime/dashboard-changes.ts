/**
 * The ingest port, implemented for the dashboards: each reported change becomes a typed `/dashboard` event in its
 * workspace's room. With the Redis adapter an emit to a room reaches that room on every node; without it, this
 * node's sockets only. One `usage` message per runtime per commit: a batch of events becomes its summed deltas per
 * quarter-hour × provider × model × attribution, not one message per event. Changes that may have gone
 * unreported make those dashboards refetch. On a single node (no Redis) a change of a workspace with no dashboard
 * open is not built at all: Socket.IO encodes a message before it looks at the room, so a busy ingest node with no
 * screen open paid for every push (3 % of its busy samples). With Redis the other nodes' rooms are not known here,
 * so every change is published.
 */
import type { Logger } from 'pino';
import type { DashboardServerEvents } from '../../shared';
import type { IngestChanges } from '../ingest/changes';
import type { Metrics } from '../observability/metrics';
import { workspaceRoom } from './dashboard-namespace';
import type { HubNamespace } from './io';
import type { DashboardResync } from './resync';

/**
 * The push's `commit`: the transaction that wrote its deltas (one per commit, the same on every row), so a dashboard
 * can tell whether a REST answer already holds them (its X-Usage-Snapshot).
 */
function commitOf(deltas: ReadonlyArray<{ commit_xid?: string }>): { commit?: string } {
  const commit = deltas[0]?.commit_xid;
  return commit ? { commit } : {};
}

export function dashboardChanges(
  dashboards: HubNamespace,
  resync: DashboardResync,
  metrics: Metrics,
  logger: Logger,
  /** True when other nodes share the rooms (the Redis adapter): an empty room here says nothing about theirs. */
  clustered: boolean,
): IngestChanges {
  // The in-memory adapter's rooms are this node's sockets, joined synchronously on connection: skipping an empty
  // room delivers exactly what emitting to it would (nothing), so a dashboard that connects later misses nothing it
  // would have received (it fetches over REST after joining).
  const listened = (workspaceId: string) =>
    clustered || dashboards.adapter.rooms.has(workspaceRoom(workspaceId));
  const emit = <E extends keyof DashboardServerEvents>(
    workspaceId: string,
    event: E,
    ...payload: Parameters<DashboardServerEvents[E]>
  ) => {
    if (!listened(workspaceId)) return;
    try {
      dashboards.to(workspaceRoom(workspaceId)).emit(event, ...payload);
      metrics.fanout.inc({ event });
    } catch (err) {
      // Committed and answered: a failed emit only costs dashboards a live update (they refetch on reconnect).
      logger.warn({ err, event }, 'could not publish a change to dashboards');
    }
  };

  return {
    usageCommitted(workspaceId, runtimeId, deltas) {
      if (!listened(workspaceId)) return;
      emit(workspaceId, 'usage', {
        runtime_id: runtimeId,
        deltas: deltas.map((d) => ({
          hour: d.hour.toISOString(),
          at: d.at.toISOString(),
          provider: d.provider,
          model: d.model,
          input_tokens: d.input_tokens,
          output_tokens: d.output_tokens,
          cache_read_tokens: d.cache_read_tokens,
          cache_write_tokens: d.cache_write_tokens,
          cost_usd: d.cost_usd,
          unpriced_tokens: d.unpriced_tokens,
          // Attribution only where the events carried it, so a dashboard can filter live deltas as REST does.
          ...(d.project ? { project: d.project } : {}),
          ...(d.user_name ? { user: d.user_name } : {}),
          ...(d.session_id ? { session_id: d.session_id } : {}),
        })),
        ...commitOf(deltas),
      });
    },
    tasksCommitted(workspaceId, runtimeId, tasks) {
      if (!listened(workspaceId)) return;
      let unknown = false;
      for (const { runtime_id: _, commit_xid, previous_at, ...task } of tasks) {
        const counted = previous_at === undefined ? {} : { previous_at };
        emit(workspaceId, 'task', { runtime_id: runtimeId, task, commit: commit_xid, ...counted });
        unknown ||= previous_at === undefined;
      }
      // Another node created a task while this write waited for it: no push can say what the write changed in the
      // hourly count, so these dashboards refetch (their answers then hold this commit).
      if (unknown) resync.request([workspaceId]);
    },
    dailyTotalsReplaced(workspaceId, runtimeId, deltas) {
      emit(workspaceId, 'usage', {
        runtime_id: runtimeId,
        deltas: deltas.map(({ runtime_id: _, commit_xid: __, ...d }) => d),
        ...commitOf(deltas),
      });
    },
    runtimesRegistered(runtimes) {
      for (const runtime of runtimes) emit(runtime.workspace_id, 'runtime', runtime);
    },
    runtimeStatusChanged(runtime) {
      emit(runtime.workspace_id, 'runtime', runtime);
    },
    changesUnreported(workspaceIds) {
      resync.request(workspaceIds);
    },
    budgetChanged(workspaceId, state) {
      emit(workspaceId, 'budget', state);
    },
    publishes(workspaceIds) {
      if (clustered) return true;
      for (const id of workspaceIds) if (listened(id)) return true;
      return false;
    },
  };
}
