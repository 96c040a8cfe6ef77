/**
 * Presence: a runtime is online while a daemon socket holds it. This node heartbeats last_seen_at of the
 * runtimes it holds (one statement per interval, whatever their number), releases them when a socket goes,
 * and sweeps runtimes whose node stopped heartbeating (a node that died) — safe on every node at once.
 * Status changes leave through the ingest port, like every other committed change.
 */
import type { Logger } from 'pino';
import type { IngestChanges } from '../ingest/changes';
import { type Database, heartbeat, releaseRuntime, sweepStale } from '../store';

export interface PresenceOptions {
  heartbeatMs: number;
  sweepMs: number;
  timeoutMs: number;
}

export class PresenceTracker {
  /** runtime id → owner ("node:socket") of the sockets on this node. */
  private readonly held = new Map<string, string>();
  private readonly timers: NodeJS.Timeout[] = [];
  private lastBeatFailed = false;
  private healthySince = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly db: Database,
    private readonly options: PresenceOptions,
    private readonly changes: IngestChanges,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.timers.push(
      setInterval(() => void this.beat(), this.options.heartbeatMs).unref(),
      setInterval(() => void this.sweep(), this.options.sweepMs).unref(),
    );
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
  }

  hold(runtimeIds: string[], owner: string): void {
    for (const id of runtimeIds) this.held.set(id, owner);
  }

  /** Takes offline what this owner held, unless the daemon has since moved to another connection. */
  async release(owner: string): Promise<void> {
    const mine = [...this.held].filter(([, o]) => o === owner).map(([id]) => id);
    for (const id of mine) this.held.delete(id);
    for (const id of mine) {
      try {
        const rt = await releaseRuntime(this.db, id, owner);
        if (rt) this.changes.runtimeStatusChanged(rt);
      } catch (err) {
        // The sweeper takes it offline later if this write failed.
        this.logger.warn({ err, runtime_id: id }, 'could not release runtime');
      }
    }
  }

  /** On shutdown: everything this node holds goes offline now rather than after the sweep timeout. */
  async releaseAll(): Promise<void> {
    const owners = new Set(this.held.values());
    for (const owner of owners) await this.release(owner);
  }

  async beat(): Promise<boolean> {
    try {
      const revived = await heartbeat(
        this.db,
        [...this.held].map(([runtimeId, owner]) => ({ runtimeId, owner })),
      );
      for (const rt of revived) this.changes.runtimeStatusChanged(rt);
      if (this.lastBeatFailed) this.healthySince = Date.now();
      this.lastBeatFailed = false;
    } catch (err) {
      this.lastBeatFailed = true;
      this.logger.warn({ err }, 'presence heartbeat failed');
    }
    return !this.lastBeatFailed;
  }

  async sweep(): Promise<void> {
    // After a database outage every node's heartbeats are stale: refresh ours, and give the other nodes two
    // heartbeats to refresh theirs, before judging anyone's — or runtimes whose daemons never left go offline.
    if (this.lastBeatFailed && !(await this.beat())) return;
    if (Date.now() - this.healthySince < 2 * this.options.heartbeatMs) return;
    try {
      for (const { runtime, heldBySocket } of await sweepStale(this.db, this.options.timeoutMs)) {
        this.changes.runtimeStatusChanged(runtime);
        // Its node stopped heartbeating: it may have died between a commit and its report.
        if (heldBySocket) this.changes.changesUnreported([runtime.workspace_id]);
      }
    } catch (err) {
      this.logger.warn({ err }, 'presence sweep failed');
    }
  }
}
