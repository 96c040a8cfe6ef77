/**
 * Regression (issue 11): a dashboard that never reads, but writes an unsolicited pong now and then, was never dropped
 * (the pong restarted engine.io's ping timer) and its send buffer had no cap; closing many such sockets stalled the
 * event loop for seconds. The hostile dashboards here are raw WebSockets speaking Engine.IO/Socket.IO by hand, their
 * TCP socket paused so the kernel queues fill and the hub has to buffer.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { workspaceRoom } from '../../server/realtime/dashboard-namespace';
import { bufferedBytes } from '../../server/realtime/slow-consumers';
import { startTestHub, type TestHub } from '../helpers/hub';
import { rawDashboard as rawDashboardOn, stopReading } from '../helpers/raw-dashboard';
import { type ClientSocket, collect, connect, eventually } from '../helpers/sockets';

const rawDashboard = (hub: TestHub) => rawDashboardOn(hub.port, hub.memberToken);

const dashboardsOf = (hub: TestHub) => hub.hub.io.of('/dashboard').sockets;

const drops = async (hub: TestHub, reason: string) =>
  (await hub.hub.metrics.dashboardDrops.get()).values.find((v) => v.labels.reason === reason)?.value ?? 0;

/** Sends `count` messages of `bytes` each to the workspace's dashboards, one per event-loop turn. */
async function flood(hub: TestHub, count: number, bytes: number): Promise<void> {
  const room = hub.hub.io.of('/dashboard').to(workspaceRoom(hub.workspaceId)) as unknown as {
    emit(event: string, payload: unknown): void;
  };
  const filler = 'x'.repeat(bytes);
  for (let i = 0; i < count; i++) {
    room.emit('usage', { seq: i, filler });
    await new Promise((r) => setImmediate(r));
  }
}

/** The longest event-loop stall while `run` runs, in ms. */
async function loopDelayMaxMs(run: () => Promise<unknown>): Promise<number> {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  try {
    await run();
  } finally {
    loop.disable();
  }
  return loop.max / 1e6;
}

describe('slow dashboards', () => {
  let hub: TestHub | undefined;
  const clients: Array<WebSocket | ClientSocket> = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) c instanceof WebSocket ? c.terminate() : c.close();
    await hub?.destroy();
    hub = undefined;
  });

  it('a dashboard that never reads is dropped once its send buffer passes DASHBOARD_MAX_BUFFER_BYTES; a reading one gets everything', async () => {
    const maxBuffer = 1_048_576;
    hub = await startTestHub({ config: { DASHBOARD_MAX_BUFFER_BYTES: maxBuffer } });
    const healthy = await connect(hub.url, '/dashboard', hub.memberToken);
    clients.push(healthy);
    const seen = collect<{ seq: number }>(healthy, 'usage');
    const slow = await rawDashboard(hub);
    clients.push(slow);
    stopReading(slow);
    const pongs = setInterval(() => slow.send('3'), 100);
    let peak = 0;
    const sampler = setInterval(() => {
      for (const s of dashboardsOf(hub!).values()) peak = Math.max(peak, bufferedBytes(s));
    }, 20);
    try {
      await flood(hub, 400, 64 * 1024);
      await eventually(() => dashboardsOf(hub!).size === 1, 10_000);
    } finally {
      clearInterval(pongs);
      clearInterval(sampler);
    }
    expect(await drops(hub, 'buffer_full')).toBe(1);
    // Checked as each packet is queued: the bound is passed by one packet at most.
    expect(peak).toBeLessThanOrEqual(maxBuffer + 64 * 1024 + 100);
    await eventually(() => seen.length === 400, 10_000);
    expect(seen.map((m) => m.seq)).toEqual([...Array(400).keys()]);
    expect(healthy.connected).toBe(true);
  });

  it('unsolicited pongs do not count as liveness: a dashboard that answers no ping is dropped, one that does stays', async () => {
    hub = await startTestHub();
    // A short heartbeat, so the test waits a second rather than 45.
    Object.assign(hub.hub.io.engine.opts, { pingInterval: 300, pingTimeout: 300 });
    const healthy = await connect(hub.url, '/dashboard', hub.memberToken);
    clients.push(healthy);
    const hostile = await rawDashboard(hub);
    clients.push(hostile);
    // Never answers a ping (none is sent: each pong restarts the engine's ping timer), but pongs every 100 ms.
    const pongs = setInterval(() => hostile.send('3'), 100);
    try {
      await eventually(async () => (await drops(hub!, 'no_pong')) === 1, 5_000);
    } finally {
      clearInterval(pongs);
    }
    expect(dashboardsOf(hub).size).toBe(1);
    await new Promise((r) => setTimeout(r, 1_500));
    expect(healthy.connected).toBe(true);
    expect(dashboardsOf(hub).size).toBe(1);
  });

  // The drop itself takes under 1 ms per slice; on a loaded machine the OS alone can pause any process for tens
  // of ms (an idle one measured 39 ms here), so the stall is taken over an idle baseline and an unlucky window
  // retried.
  it('dropping many slow dashboards at once never stalls the event loop more than 50 ms', {
    retry: 2,
  }, async () => {
    const slowCount = 20;
    const maxBuffer = 2_097_152;
    hub = await startTestHub({ config: { DASHBOARD_MAX_BUFFER_BYTES: maxBuffer } });
    for (let i = 0; i < slowCount; i++) {
      const ws = await rawDashboard(hub);
      clients.push(ws);
      stopReading(ws);
    }
    // Every slow dashboard filled to just under the bound (the kernel queues full, the rest held by the hub)…
    const fullest = () => Math.min(...[...dashboardsOf(hub!).values()].map((s) => bufferedBytes(s)));
    while (fullest() < maxBuffer - 512 * 1024) await flood(hub, 1, 32 * 1024);
    expect(dashboardsOf(hub).size).toBe(slowCount);
    // What the OS alone costs here, for a window as long as the drop's: the machine may be shared and loaded.
    const baseline = await loopDelayMaxMs(async () => new Promise((r) => setTimeout(r, 300)));
    // …then one message takes them all past it at once; only the drop that follows is timed.
    await flood(hub, 1, 768 * 1024);
    const dropStall = await loopDelayMaxMs(async () => {
      await eventually(() => dashboardsOf(hub!).size === 0, 15_000, 10);
      await new Promise((r) => setTimeout(r, 200));
    });
    expect(await drops(hub, 'buffer_full')).toBe(slowCount);
    expect(dropStall - baseline).toBeLessThan(50);
  });
});
