/**
 * The daemon's Socket.IO connection to `<hub>/daemon` (websocket only, token in the handshake). socket.io-client
 * reconnects with exponential backoff and jitter (1 s to 30 s); this wrapper counts failed attempts (for the
 * REST fallback), reconnects after a server-side disconnect too, and turns every call into an ack promise that
 * fails fast on timeout or disconnect.
 */
import { io, type Socket } from 'socket.io-client';
import type { Ack, DaemonClientEvents } from '../../shared/ack';
import type { ItemKind } from './item-kinds';
import type { Logger } from './log';
import { baseUrl, type Transport } from './transport';

type DaemonSocket = Socket<Record<string, never>, DaemonClientEvents>;

export interface ConnectionEvents {
  onConnect(): void;
  onUnauthorized(message: string): void;
}

export class SocketConnection {
  readonly socket: DaemonSocket;
  /** Consecutive failed connection attempts since the last success. */
  failures = 0;
  private closed = false;

  constructor(
    url: string,
    token: string,
    timeoutMs: number,
    log: Logger,
    events: ConnectionEvents,
    reconnectDelayMs = 1000,
  ) {
    this.socket = io(`${baseUrl(url)}/daemon`, {
      auth: { token },
      transports: ['websocket'],
      reconnectionDelay: reconnectDelayMs,
      reconnectionDelayMax: Math.min(30_000, reconnectDelayMs * 30),
      randomizationFactor: 0.5,
      timeout: timeoutMs,
    });
    this.socket.on('connect', () => {
      this.failures = 0;
      log.info({ url }, 'connected to hub');
      events.onConnect();
    });
    this.socket.on('connect_error', (err) => {
      this.failures++;
      if (err.message === 'unauthorized') events.onUnauthorized(err.message);
      else log.warn({ err: err.message, attempt: this.failures }, 'cannot connect to hub');
    });
    this.socket.on('disconnect', (reason) => {
      // Emits buffered while offline would be re-sent on reconnect beside our own retry: drop them.
      this.socket.sendBuffer = [];
      if (this.closed) return;
      log.warn({ reason }, 'disconnected from hub');
      // The client does not reconnect by itself after a server-side disconnect.
      if (reason === 'io server disconnect')
        setTimeout(() => this.closed || this.socket.connect(), reconnectDelayMs);
    });
  }

  get connected(): boolean {
    return this.socket.connected;
  }

  /** Runs one acked call; rejects on timeout, on disconnect before the ack, or when not connected. */
  private call<T>(send: () => Promise<Ack<T>>): Promise<Ack<T>> {
    if (!this.socket.connected) return Promise.reject(new Error('not connected'));
    return new Promise<Ack<T>>((resolve, reject) => {
      const onDisconnect = () => reject(new Error('disconnected before the ack'));
      this.socket.once('disconnect', onDisconnect);
      send()
        .then(resolve, reject)
        .finally(() => this.socket.off('disconnect', onDisconnect));
    });
  }

  transport(timeoutMs: number): Transport {
    const s = () => this.socket.timeout(timeoutMs);
    return {
      kind: 'socket',
      hello: (p) => this.call(() => s().emitWithAck('hello', p)),
      // The event is named after the kind; socket.io's event-map types cannot pair a generic kind with its
      // payload, so the payload is passed unchecked here (Transport.send has already typed the pair).
      send: (kind: ItemKind, p) => this.call(() => s().emitWithAck(kind, p as never)),
    };
  }

  close(): void {
    this.closed = true;
    this.socket.disconnect();
  }
}
