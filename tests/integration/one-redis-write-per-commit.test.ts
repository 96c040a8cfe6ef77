/**
 * Two nodes on Redis: a commit that touched several runtimes publishes one message per runtime, all in one tick,
 * and ioredis wrote each with its own syscall, so they reached Redis — and from it the other node — as separate
 * segments, which that node could push in as many ticks (one `writev` per runtime per screen). The publisher is now
 * corked for the tick: one write to Redis per commit, and the other node's dashboard gets the commit in one push.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub, uniqueRedisPrefix } from '../helpers/hub';
import { type ClientSocket, call, collect, connect, eventually, hello } from '../helpers/sockets';

const REDIS_PORT = 6379;
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

/** Writes this process makes, by the port at the far end of the TCP connection. */
function countWrites() {
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

const localPort = (socket: ClientSocket) =>
  (socket.io.engine as unknown as { transport: { ws: { _socket: net.Socket } } }).transport.ws._socket
    .localPort!;

describe('one Redis write per commit', () => {
  let a: TestHub;
  let b: TestHub;
  let daemons: ClientSocket[] = [];
  let dashboard: ClientSocket;
  const writes = countWrites();

  beforeAll(async () => {
    const redisPrefix = uniqueRedisPrefix();
    // One writer that lingers: the three calls below share one commit, reported as three messages in one tick.
    const config = { INGEST_WRITERS: 1, INGEST_LINGER_MS: 100 };
    a = await startTestHub({ redisPrefix, config });
    b = await startTestHub({ databaseUrl: a.databaseUrl, redisPrefix, config });
    dashboard = await connect(b.url, '/dashboard', a.memberToken);
    daemons = await Promise.all([0, 1, 2, 3].map(() => connect(a.url, '/daemon', a.daemonToken)));
  });
  afterAll(async () => {
    writes.restore();
    for (const s of [...daemons, dashboard]) s?.close();
    await b?.stop();
    await a?.destroy();
  });

  it("publishes a commit's deltas of three runtimes in one write, pushed by the other node in at most two", async () => {
    const [sender, ...others] = daemons;
    const runtimes = await Promise.all(others.map(async (d) => (await hello(d)).claude!));
    const received = collect<{ runtime_id: string }>(dashboard, 'usage');
    // The hellos' `runtime` pushes have gone out before counting starts.
    await new Promise((r) => setTimeout(r, 300));
    const redisBefore = writes.of(REDIS_PORT);
    const dashboardBefore = writes.of(localPort(dashboard));
    await Promise.all(
      runtimes.map((runtimeId, i) =>
        call(sender!, 'usage', { runtime_id: runtimeId, events: [usageEvent(`c${i}`)] }),
      ),
    );
    await eventually(() => received.length === 3, 5_000);
    expect(received.map((p) => p.runtime_id).sort()).toEqual([...runtimes].sort());
    expect(writes.of(REDIS_PORT) - redisBefore).toBe(1);
    expect(writes.of(localPort(dashboard)) - dashboardBefore).toBeLessThanOrEqual(2);
  });
});
