/**
 * Two nodes on Redis: a commit that touched several runtimes publishes one message per runtime, all in one tick,
 * and ioredis wrote each with its own syscall, so they reached Redis — and from it the other node — as separate
 * segments, which that node could push in as many ticks (one `writev` per runtime per screen). The publisher is now
 * corked for the tick: one write to Redis per commit, and the other node's dashboard gets the commit in one push.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub, uniqueRedisPrefix } from '../helpers/hub';
import { countWrites, localPort, usageEvent } from '../helpers/socket-writes';
import { type ClientSocket, call, collect, connect, eventually, hello } from '../helpers/sockets';

const REDIS_PORT = 6379;

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
