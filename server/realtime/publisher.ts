/**
 * Routes committed changes to dashboard rooms. With the Redis adapter an emit to a room reaches that room on
 * every node; without it, this node's sockets only. One `usage` message per runtime per commit: a batch of
 * events becomes its summed hourly deltas, not one message per event.
 */
import type { Namespace } from 'socket.io';
import type { Runtime, TaskPush, UsagePush } from '../../shared';
import type { CommittedBatch } from '../ingest/group-commit';
import type { Metrics } from '../observability/metrics';
import type { DateDelta } from '../store';

export const workspaceRoom = (workspaceId: string) => `ws:${workspaceId}`;

export interface Publisher {
  committed(batch: CommittedBatch): void;
  dailyTotals(workspaceId: string, runtimeId: string, deltas: DateDelta[]): void;
  runtime(runtime: Runtime): void;
}

export function createPublisher(dashboards: Namespace, metrics: Metrics): Publisher {
  const emit = <E extends 'usage' | 'task' | 'runtime'>(
    workspaceId: string,
    event: E,
    payload: E extends 'usage' ? UsagePush : E extends 'task' ? TaskPush : Runtime,
  ) => {
    dashboards.to(workspaceRoom(workspaceId)).emit(event, payload);
    metrics.fanout.inc({ event });
  };

  return {
    committed({ hourDeltas, tasks, workspaceOf }) {
      const byRuntime = new Map<string, UsagePush>();
      for (const d of hourDeltas) {
        let push = byRuntime.get(d.runtime_id);
        if (!push) {
          push = { runtime_id: d.runtime_id, deltas: [] };
          byRuntime.set(d.runtime_id, push);
        }
        push.deltas.push({
          hour: d.hour.toISOString(),
          provider: d.provider,
          model: d.model,
          input_tokens: d.input_tokens,
          output_tokens: d.output_tokens,
          cache_read_tokens: d.cache_read_tokens,
          cache_write_tokens: d.cache_write_tokens,
        });
      }
      for (const push of byRuntime.values()) emit(workspaceOf.get(push.runtime_id)!, 'usage', push);
      for (const { runtime_id, ...task } of tasks)
        emit(workspaceOf.get(runtime_id)!, 'task', { runtime_id, task });
    },
    dailyTotals(workspaceId, runtimeId, deltas) {
      if (deltas.length === 0) return;
      emit(workspaceId, 'usage', {
        runtime_id: runtimeId,
        deltas: deltas.map(({ runtime_id: _, ...d }) => d),
      });
    },
    runtime(runtime) {
      emit(runtime.workspace_id, 'runtime', runtime);
    },
  };
}
