/**
 * Makes the dashboards of some workspaces refetch, on every node. Used when the hub cannot know which deltas a
 * dashboard missed: a commit whose outcome is in doubt, or a node that died between a commit and its publish.
 * Their connections are closed (not disconnected from the namespace), so Socket.IO clients reconnect on their own
 * and, as the contract says, refetch over REST — once the database answers again, so the refetch can succeed.
 */
import type { Logger } from 'pino';
import { RESYNC_EVENT, ResyncRequest } from '../../shared';
import type { Database } from '../store';
import { workspaceRoom } from './dashboard-namespace';
import type { HubServer } from './io';

const RETRY_MS = 500;

export class DashboardResync {
  private readonly pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;

  /** `clustered`: other nodes hear of it through the adapter (the in-memory adapter has no other nodes). */
  constructor(
    private readonly io: HubServer,
    private readonly db: Database,
    private readonly logger: Logger,
    private readonly clustered: boolean,
  ) {
    io.on(RESYNC_EVENT, (ids) => {
      const request = ResyncRequest.safeParse(ids);
      if (request.success) this.closeLocal(request.data);
    });
  }

  request(workspaceIds: Iterable<string>): void {
    for (const id of workspaceIds) this.pending.add(id);
    this.timer ??= setTimeout(() => void this.attempt(), 0);
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private async attempt(): Promise<void> {
    try {
      await this.db.ping();
    } catch {
      this.timer = setTimeout(() => void this.attempt(), RETRY_MS).unref();
      return;
    }
    this.timer = undefined;
    const ids = [...this.pending];
    this.pending.clear();
    this.logger.info({ workspaces: ids.length }, 'asking dashboards to resync');
    if (this.clustered) this.io.serverSideEmit(RESYNC_EVENT, ids);
    this.closeLocal(ids);
  }

  /** After a Redis outage: every dashboard on this node (the other nodes recover on their own). */
  resyncAllLocal(): void {
    for (const socket of this.io.of('/dashboard').sockets.values()) socket.conn.close();
  }

  /**
   * Closes the transport, not the namespace: a server-side namespace disconnect ("io server disconnect") is one
   * a Socket.IO client does not retry by itself; a closed transport it does.
   */
  private closeLocal(workspaceIds: string[]): void {
    const rooms = new Set(workspaceIds.map(workspaceRoom));
    for (const socket of this.io.of('/dashboard').sockets.values()) {
      if ([...socket.rooms].some((r) => rooms.has(r))) socket.conn.close();
    }
  }
}
