/**
 * A dashboard client that behaves like the web app: it loads workspace usage over REST on every (re)connect and
 * adds the live `usage` deltas after that. A refetch during which deltas arrived is ambiguous (the rows may or may
 * not include them), so it is repeated until one falls in a quiet gap; from then on the view is REST + deltas.
 * Cells are (runtime, UTC date, provider, model), the REST rows' own key.
 */
import { io, type Socket } from 'socket.io-client';
import type { Runtime, UsagePush, UsageRow } from '../../shared/schemas';
import { addCounts, COUNTS, type Counts, zeroCounts } from './chaos-ledger';

export type Cells = Map<string, Counts>;

export const cellKey = (runtimeId: string, date: string, provider: string, model: string) =>
  `${runtimeId}|${date}|${provider}|${model}`;

export interface DashboardOptions {
  name: string;
  /** Hub (or balancer) URL for the socket. */
  url: string;
  /** URL for REST refetches; the socket's by default. */
  restUrl?: string;
  token: string;
  /** false: a naive client that never refetches after the first load (to measure what an outage loses). */
  refetchOnReconnect?: boolean;
  reconnectionDelayMs?: number;
  /** How long after a refetch's answer no delta may arrive for the refetch to count as unambiguous. */
  quietMs?: number;
}

export class ChaosDashboard {
  cells: Cells = new Map();
  deltas = 0;
  /** Receipt time and runtime of every usage message. */
  readonly deltaLog: { at: number; runtimeId: string }[] = [];
  /** Every `runtime` message: time, runtime id and its status. */
  readonly runtimeLog: { at: number; id: string; status: string }[] = [];
  connects = 0;
  refetches = 0;
  readonly disconnects: { at: number; reason: string }[] = [];
  /** True once a refetch was unambiguous and the view has been REST + deltas since. */
  settled = false;
  readonly socket: Socket;
  private syncing = false;
  private again = false;
  private closed = false;

  constructor(private readonly o: DashboardOptions) {
    const delay = o.reconnectionDelayMs ?? 300;
    this.socket = io(`${o.url}/dashboard`, {
      auth: { token: o.token },
      transports: ['websocket'],
      forceNew: true,
      reconnectionDelay: delay,
      reconnectionDelayMax: delay * 4,
    });
    this.socket.on('connect', () => {
      this.connects++;
      if (this.connects === 1 || this.o.refetchOnReconnect !== false) void this.resync();
    });
    this.socket.on('disconnect', (reason) => {
      this.disconnects.push({ at: Date.now(), reason });
      // Like the web app: after a server-side close socket.io does not retry by itself, so we do.
      if (reason === 'io server disconnect' && !this.closed)
        setTimeout(() => this.closed || this.socket.connect(), delay);
    });
    this.socket.on('usage', (push: UsagePush) => this.apply(push));
    this.socket.on('runtime', (r: Runtime) =>
      this.runtimeLog.push({ at: Date.now(), id: r.id, status: r.status }),
    );
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** Usage messages received in [from, to), of the given runtimes only if `runtimes` is passed. */
  deltasBetween(from: number, to = Number.POSITIVE_INFINITY, runtimes?: Set<string>): number {
    return this.deltaLog.filter((d) => d.at >= from && d.at < to && (!runtimes || runtimes.has(d.runtimeId)))
      .length;
  }

  /** Receipt time of the first usage message at or after `t`, if any. */
  firstDeltaAfter(t: number): number | undefined {
    return this.deltaLog.find((d) => d.at >= t)?.at;
  }

  /** The last status pushed for a runtime, if any. */
  runtimeStatus(id: string): string | undefined {
    return this.runtimeLog.findLast((r) => r.id === id)?.status;
  }

  /** Resolves once connected and settled, or throws after `timeoutMs`. */
  async waitSettled(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(this.connected && this.settled && !this.syncing)) {
      if (Date.now() > deadline)
        throw new Error(
          `dashboard ${this.o.name} not settled in ${timeoutMs} ms (connected=${this.connected})`,
        );
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  close(): void {
    this.closed = true;
    this.socket.close();
  }

  private apply(push: UsagePush): void {
    this.deltas++;
    this.deltaLog.push({ at: Date.now(), runtimeId: push.runtime_id });
    for (const d of push.deltas) {
      const date = 'hour' in d ? d.hour.slice(0, 10) : d.date;
      const key = cellKey(push.runtime_id, date, d.provider, d.model);
      const cell = this.cells.get(key) ?? zeroCounts();
      addCounts(cell, d);
      this.cells.set(key, cell);
    }
  }

  private async resync(): Promise<void> {
    if (this.syncing) {
      this.again = true;
      return;
    }
    this.syncing = true;
    this.settled = false;
    try {
      for (;;) {
        this.again = false;
        const before = this.deltas;
        const rows = await this.fetchUsage();
        if (this.closed) return;
        const cells: Cells = new Map();
        for (const r of rows) {
          const c = zeroCounts();
          for (const k of COUNTS) c[k] = r[k];
          cells.set(cellKey(r.runtime_id, r.date, r.provider, r.model), c);
        }
        this.cells = cells;
        await new Promise((r) => setTimeout(r, this.o.quietMs ?? 150));
        if (this.deltas === before && !this.again) {
          this.settled = true;
          return;
        }
        // Deltas during the fetch are ambiguous; those after it were added on top of the rows. Either way,
        // fetch again after a short, jittered pause (a burst of load leaves gaps).
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 200));
      }
    } finally {
      this.syncing = false;
    }
  }

  private async fetchUsage(): Promise<UsageRow[]> {
    for (let attempt = 0; ; attempt++) {
      this.refetches++;
      try {
        const res = await fetch(`${this.o.restUrl ?? this.o.url}/api/usage?days=3&tz=UTC`, {
          headers: { authorization: `Bearer ${this.o.token}` },
          signal: AbortSignal.timeout(10_000),
        });
        if (res.ok) return (await res.json()) as UsageRow[];
        await res.arrayBuffer();
      } catch {
        // The node may be gone or the database away: try again.
      }
      if (this.closed) return [];
      await new Promise((r) => setTimeout(r, Math.min(2_000, 200 * (attempt + 1))));
    }
  }
}
