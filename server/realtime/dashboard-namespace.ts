/**
 * Namespace `/dashboard`: a member socket joins its workspace's room and only ever receives that workspace's
 * `runtime`, `usage` and `task` events. Dashboards only listen; they send nothing. One that does not read
 * either is dropped by the slow-consumer guard before its queue grows past its bound.
 */
import type { Metrics } from '../observability/metrics';
import type { HubNamespace } from './io';
import type { SlowConsumerGuard } from './slow-consumers';

/** The room of a workspace's dashboards: what is emitted to it reaches them on every node. */
export const workspaceRoom = (workspaceId: string) => `ws:${workspaceId}`;

export function attachDashboardNamespace(
  namespace: HubNamespace,
  metrics: Metrics,
  slowConsumers: SlowConsumerGuard,
): void {
  namespace.on('connection', (socket) => {
    const { identity } = socket.data;
    socket.join(workspaceRoom(identity.workspace_id));
    slowConsumers.watch(socket);
    metrics.connections.inc({ namespace: '/dashboard' });
    socket.on('disconnect', () => metrics.connections.dec({ namespace: '/dashboard' }));
  });
}
