/**
 * `writev` was the top item of a fan-out node's profile: ws writes each frame with its own syscall, so one
 * commit's deltas of several runtimes pushed to a dashboard cost a write per message per screen. The hub now corks
 * a dashboard connection for the rest of the tick once it starts writing to it: what it sends a dashboard in one
 * tick leaves in at most two writes (the first frame, then the batch engine.io queued behind it), whatever the
 * number of messages.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../helpers/hub';
import { countWrites, localPort, usageEvent } from '../helpers/socket-writes';
import { type ClientSocket, call, collect, connect, eventually, hello } from '../helpers/sockets';

describe('writes per socket', () => {
  let hub: TestHub;
  let daemon: ClientSocket;
  let dashboard: ClientSocket;
  const writes = countWrites();

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
