/**
 * Namespace `/dashboard`: a member socket joins its workspace's room and only ever receives that workspace's
 * `runtime`, `usage` and `task` events. Dashboards only listen; they send nothing.
 */
import type { Namespace } from 'socket.io';
import type { Metrics } from '../observability/metrics';
import type { SocketData } from './auth';
import { workspaceRoom } from './publisher';

export function attachDashboardNamespace(namespace: Namespace, metrics: Metrics): void {
  namespace.on('connection', (socket) => {
    const { identity } = socket.data as SocketData;
    socket.join(workspaceRoom(identity.workspace_id));
    metrics.connections.inc({ namespace: '/dashboard' });
    socket.on('disconnect', () => metrics.connections.dec({ namespace: '/dashboard' }));
  });
}
