/**
 * `writev` was the top item of a fan-out node's profile: ws writes each frame with its own syscall, so one
 * commit's deltas of several runtimes pushed to a dashboard cost a write per message per screen. The hub now corks
 * a dashboard connection for the rest of the tick once it starts writing to it: what it sends a dashboard in one
 * tick leaves in at most two writes (the first frame, then the batch engine.io queued behind it), whatever the
 * number of messages.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { type ClientSocket, call, collect, connect, eventually, hello } from '../helpers/sockets';

const at = new Date(Date.now() - 3_600_000).toISOString();
const usageEvent = (id: string) => ({
  id,
  ts: at,
  provider: 'claude',
  model: 'claude-sonnet-4-5',
  input_tokens: 1,
  output_tokens: 2,
  cache_read_tokens: 3,
  cache_write_tokens: 4,
});

/** Writes the hub's process makes to the TCP connection whose far end is `port` (a client's local port). */
function countWritesTo() {
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
const localPort = (socket: ClientSocket) =>
  (socket.io.engine as unknown as { transport: { ws: { _socket: net.Socket } } }).transport.ws._socket
    .localPort!;

describe('writes per socket', () => {
  let hub: TestHub;
  let daemon: ClientSocket;
  let dashboard: ClientSocket;
  const writes = countWritesTo();

  beforeAll(async () => {
    // One writer that lingers before committing: the calls below share one commit (even if their frames are read
    // in separate chunks), so its changes are pushed in one tick.
    hub = await startTestHub({ config: { INGEST_WRITERS: 1, INGEST_LINGER_MS: 100 } });
    daemon = await connect(hub.url, '/daemon', hub.daemonToken);
    dashboard = await connect(hub.url, '/dashboard', hub.memberToken);
  });
  afterAll(async () => {
    writes.restore();
    daemon?.close();
    dashboard?.close();
    await hub?.destroy();
  });

  it("pushes one commit's deltas of several runtimes to a dashboard in at most two writes", async () => {
    const daemons = await Promise.all([1, 2, 3].map(() => connect(hub.url, '/daemon', hub.daemonToken)));
    try {
      const runtimes = await Promise.all(daemons.map(async (d) => (await hello(d)).claude!));
      const received = collect(dashboard, 'usage');
      const port = localPort(dashboard);
      await eventually(() => received.length === 0, 1_000);
      const before = writes.of(port);
      // From one socket in one tick: the three calls share a commit, reported as three messages in one tick.
      await Promise.all(
        runtimes.map((runtimeId, i) =>
          call(daemon, 'usage', { runtime_id: runtimeId, events: [usageEvent(`r${i}`)] }),
        ),
      );
      await eventually(() => received.length === 3, 5_000);
      expect(writes.of(port) - before).toBeLessThanOrEqual(2);
    } finally {
      for (const d of daemons) d.close();
    }
  });
});
