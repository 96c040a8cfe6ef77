/**
 * Counting the writes this process makes to each TCP connection, for the tests that hold the hub to few writes per
 * commit (to a dashboard socket, to Redis).
 */
import net from 'node:net';
import type { ClientSocket } from './sockets';

/** An hour before the test file loaded: every event of a test in one quarter-hour. */
const AN_HOUR_AGO = new Date(Date.now() - 3_600_000).toISOString();

/** A usage event of AN_HOUR_AGO, the id given. */
export const usageEvent = (id: string) => ({
  id,
  ts: AN_HOUR_AGO,
  provider: 'claude',
  model: 'claude-sonnet-4-5',
  input_tokens: 1,
  output_tokens: 2,
  cache_read_tokens: 3,
  cache_write_tokens: 4,
});

/** Writes (`_write` and `_writev` calls) this process makes, by the port at the far end of the TCP connection. */
export function countWrites() {
  const counts = new Map<number, number>();
  const proto = net.Socket.prototype as unknown as Record<'_write' | '_writev', (...a: unknown[]) => unknown>;
  const originals = { _write: proto._write, _writev: proto._writev };
  for (const name of ['_write', '_writev'] as const) {
    const original = originals[name];
    proto[name] = function (this: net.Socket, ...args: unknown[]) {
      const port = this.remotePort;
      if (port !== undefined) counts.set(port, (counts.get(port) ?? 0) + 1);
      return original.apply(this, args);
    };
  }
  return {
    of: (port: number) => counts.get(port) ?? 0,
    restore: () => Object.assign(proto, originals),
  };
}

/** The local port of a socket.io-client connection (websocket transport). */
export const localPort = (socket: ClientSocket) =>
  (socket.io.engine as unknown as { transport: { ws: { _socket: net.Socket } } }).transport.ws._socket
    .localPort!;
