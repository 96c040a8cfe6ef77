/**
 * Drops dashboards that do not read. A socket that never reads makes the hub hold every event sent to it (engine.io's
 * write buffer, then ws and the kernel), and engine.io's heartbeat does not catch it: any pong, even one we never
 * asked for, restarts its ping timer. So each dashboard is checked once a tick and closed when
 * - its buffered bytes (engine.io write buffer + the WebSocket's `bufferedAmount`) pass `maxBufferBytes`;
 * - packets have waited for its transport for `drainTimeoutMs`; or
 * - no pong answered one of our pings for a ping interval plus timeout (unsolicited pongs do not count).
 * Closing is done a few sockets per event-loop turn, so dropping many at once never stalls the hub. A dropped
 * dashboard reconnects and refetches, as after any disconnect.
 */
import type { HubSocket } from './io';

export interface SlowConsumerOptions {
  maxBufferBytes: number;
  drainTimeoutMs: number;
  /** How often sockets are checked. */
  checkMs: number;
  /** The engine's heartbeat, read when checking (`pingInterval + pingTimeout` with no answered ping is too long). */
  heartbeat: () => { pingInterval: number; pingTimeout: number };
  onDrop?: (reason: SlowConsumerReason) => void;
}

export type SlowConsumerReason = 'buffer_full' | 'not_draining' | 'no_pong';

/** Sockets closed per event-loop turn. */
const CLOSE_SLICE = 2;

/** The parts of engine.io's socket we read: untyped internals, checked for shape before use. */
interface EngineSocket {
  writeBuffer?: Array<{ data?: unknown }>;
  transport?: {
    writable?: boolean;
    socket?: { bufferedAmount?: number; terminate?: () => void; _socket?: { destroy(err?: Error): void } };
  };
  on(event: 'packet' | 'packetCreate', listener: (packet: { type: string; data?: unknown }) => void): void;
  on(event: 'drain', listener: () => void): void;
  close(discard?: boolean): void;
}

interface Watched {
  socket: HubSocket;
  /** When our unanswered ping was written, or null when none is pending. */
  pingSentAt: number | null;
  lastAnsweredAt: number;
  /** When the engine last handed its write buffer to the transport (engine.io's `drain`). */
  lastFlushAt: number;
  /** Bytes of the packets created since then: what engine.io's write buffer holds, counted as it grows. */
  engineBytes: number;
}

const engineOf = (socket: HubSocket) => socket.conn as unknown as EngineSocket;

const packetBytes = (data: unknown): number =>
  typeof data === 'string' ? data.length : Buffer.isBuffer(data) ? data.byteLength : 0;

const wsBufferedBytes = (engine: EngineSocket) => engine.transport?.socket?.bufferedAmount ?? 0;

/** Bytes queued for this socket, counted only up to `limit` (the engine buffer can hold many small packets). */
export function bufferedBytes(socket: HubSocket, limit = Number.POSITIVE_INFINITY): number {
  const engine = engineOf(socket);
  let total = wsBufferedBytes(engine);
  for (const packet of engine.writeBuffer ?? []) {
    if (total > limit) break;
    total += packetBytes(packet.data);
  }
  return total;
}

export class SlowConsumerGuard {
  private readonly watched = new Map<string, Watched>();
  private readonly closing: Array<{ socket: HubSocket; reason: SlowConsumerReason }> = [];
  private timer: NodeJS.Timeout | undefined;
  private closeScheduled = false;

  constructor(private readonly options: SlowConsumerOptions) {}

  watch(socket: HubSocket): void {
    const now = Date.now();
    const entry: Watched = {
      socket,
      pingSentAt: null,
      lastAnsweredAt: now,
      lastFlushAt: now,
      engineBytes: 0,
    };
    const engine = engineOf(socket);
    // Checked as each packet is queued, so the bound is passed by one packet at most, whatever the event rate.
    engine.on('packetCreate', (packet) => {
      if (packet.type === 'ping' && entry.pingSentAt === null) entry.pingSentAt = Date.now();
      entry.engineBytes += packetBytes(packet.data);
      if (entry.engineBytes + wsBufferedBytes(engine) > this.options.maxBufferBytes)
        this.condemn(entry, 'buffer_full');
    });
    engine.on('packet', (packet) => {
      if (packet.type !== 'pong' || entry.pingSentAt === null) return;
      entry.pingSentAt = null;
      entry.lastAnsweredAt = Date.now();
    });
    engine.on('drain', () => {
      entry.lastFlushAt = Date.now();
      entry.engineBytes = 0;
    });
    this.watched.set(socket.id, entry);
    socket.on('disconnect', () => this.watched.delete(socket.id));
  }

  start(): void {
    this.timer ??= setInterval(() => this.check(), this.options.checkMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Checks every watched socket now; returns how many were queued for closing. */
  check(now = Date.now()): number {
    const { maxBufferBytes, drainTimeoutMs } = this.options;
    const { pingInterval, pingTimeout } = this.options.heartbeat();
    let queued = 0;
    for (const entry of this.watched.values()) {
      const reason = this.verdict(entry, now, maxBufferBytes, drainTimeoutMs, pingInterval + pingTimeout);
      if (reason === undefined) continue;
      this.condemn(entry, reason);
      queued += 1;
    }
    return queued;
  }

  private condemn(entry: Watched, reason: SlowConsumerReason): void {
    if (!this.watched.delete(entry.socket.id)) return;
    this.closing.push({ socket: entry.socket, reason });
    this.scheduleClose();
  }

  private verdict(
    entry: Watched,
    now: number,
    maxBufferBytes: number,
    drainTimeoutMs: number,
    heartbeatMs: number,
  ): SlowConsumerReason | undefined {
    const engine = engineOf(entry.socket);
    if (bufferedBytes(entry.socket, maxBufferBytes) > maxBufferBytes) return 'buffer_full';
    // Packets waiting in the engine while the transport took nothing for that long: the peer is not reading.
    const waiting = (engine.writeBuffer?.length ?? 0) > 0;
    if (waiting && now - entry.lastFlushAt > drainTimeoutMs) return 'not_draining';
    if (now - entry.lastAnsweredAt > heartbeatMs) return 'no_pong';
    return undefined;
  }

  private scheduleClose(): void {
    if (this.closeScheduled) return;
    this.closeScheduled = true;
    setImmediate(() => {
      this.closeScheduled = false;
      for (const { socket, reason } of this.closing.splice(0, CLOSE_SLICE)) {
        this.options.onDrop?.(reason);
        drop(socket);
      }
      if (this.closing.length > 0) this.scheduleClose();
    });
  }
}

/** One error for every write still queued on a dropped socket: Node builds one per write when given none. */
const DROPPED = new Error('dashboard dropped: not reading');

/**
 * Closes at once, without the close handshake: a polite close waits for the write buffer to drain, which is
 * exactly what this socket does not do. The TCP socket is destroyed with one shared error, because every write
 * still queued on it is failed with its own new error (and its stack read) otherwise: ~20 ms per socket measured.
 */
function drop(socket: HubSocket): void {
  const engine = engineOf(socket);
  const ws = engine.transport?.socket;
  if (ws?._socket) ws._socket.destroy(DROPPED);
  else if (typeof ws?.terminate === 'function') ws.terminate();
  else engine.close(true);
}
