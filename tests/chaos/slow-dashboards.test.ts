/**
 * Scenario: dashboards that never read (their TCP sockets paused) and write an unsolicited pong every 2 s, while
 * daemons report ~500 events/s. Each is dropped, whichever comes first: its buffer passes
 * DASHBOARD_MAX_BUFFER_BYTES, or no pong answered a ping of ours for pingInterval + pingTimeout (45 s); the hub
 * answers /healthz within 100 ms throughout, its memory stays bounded, its event loop never stalls past 100 ms,
 * a reading dashboard ends equal to the database, and nothing acked is lost. Prints peak RSS and the worst stall.
 */

import { describe, expect, inject, it } from 'vitest';
import type WebSocket from 'ws';
import { type ChaosCluster, scenarioOnce, startCluster } from '../helpers/chaos-cluster';
import { DaemonFleet } from '../helpers/chaos-daemons';
import { ChaosDashboard } from '../helpers/chaos-dashboard';
import { type Footprint, watchFootprint } from '../helpers/chaos-footprint';
import { sleep, until } from '../helpers/chaos-processes';
import { checkLedger, compareCells, dbCells, type LedgerCheck, printFigures } from '../helpers/chaos-verify';
import { rawDashboard, stopReading, unsolicitedPongs } from '../helpers/raw-dashboard';

const SLOW = 20;
const MAX_BUFFER_BYTES = 1_048_576;
const DAEMONS = 4;

describe('dashboards that never read, under load', () => {
  let cluster: ChaosCluster;
  let fleet: DaemonFleet | undefined;
  let reader: ChaosDashboard | undefined;
  const slow: WebSocket[] = [];
  const stopPongs: Array<() => void> = [];
  let footprint: Footprint;
  let check: LedgerCheck;
  let dropped = 0;
  let droppedAtMs = 0;
  let readerEqual = false;

  scenarioOnce(
    () =>
      startCluster('slow-dashboards', inject('chaosPgBase'), {
        hubEnv: { DASHBOARD_MAX_BUFFER_BYTES: String(MAX_BUFFER_BYTES) },
      }),
    (started) => {
      cluster = started;
      return runScenario();
    },
    async () => {
      for (const stop of stopPongs) stop();
      for (const ws of slow) ws.terminate();
      reader?.close();
      await fleet?.stop();
    },
  );

  async function runScenario() {
    const [node] = cluster.hubs;
    const { workspaceId, memberToken, daemonToken } = cluster.workspace;
    reader = new ChaosDashboard({ name: 'reader', url: node.url, token: memberToken });
    await reader.waitSettled(30_000);
    for (let i = 0; i < SLOW; i++) {
      const ws = await rawDashboard(node.port, memberToken);
      stopReading(ws);
      stopPongs.push(unsolicitedPongs(ws, 2_000));
      slow.push(ws);
    }
    const watcher = watchFootprint(node);
    const watchedAt = Date.now();
    fleet = new DaemonFleet({
      url: node.url,
      token: daemonToken,
      daemons: DAEMONS,
      eventsPerTick: 125,
      tickMs: 500,
    });
    fleet.start();
    await until('every daemon connected', () => fleet!.connected() === DAEMONS, 30_000);
    await until(
      'every slow dashboard dropped',
      async () => (await node.metric('hub_dashboard_drops_total')) >= SLOW,
      55_000,
      500,
    ).catch(() => undefined);
    dropped = await node.metric('hub_dashboard_drops_total');
    droppedAtMs = Date.now() - watchedAt;
    await sleep(2_000);
    fleet.stopGenerating();
    await fleet.flush(60_000);
    await reader.waitSettled(30_000);
    await sleep(1_000);
    footprint = await watcher.stop();
    check = await checkLedger(cluster.pg, fleet);
    readerEqual = compareCells(reader.cells, await dbCells(cluster.pg, workspaceId)).equal;
    printFigures('slow dashboards', {
      sent: check.sent,
      acked: check.acked,
      lost: check.lost.length,
      slow_dashboards: SLOW,
      dropped,
      healthz_max_ms: footprint.healthzMaxMs.toFixed(1),
      healthz_checks: footprint.healthzChecks,
      peak_rss_mb: (footprint.peakRssBytes / 1_048_576).toFixed(1),
      worst_loop_stall_ms: footprint.worstLoopStallMs.toFixed(1),
      worst_stall_seen_at_ms: footprint.worstLoopStallAtMs,
      all_dropped_by_ms: droppedAtMs,
      reader_equal: readerEqual,
    });
  }

  it('drops every dashboard that never reads', () => {
    expect(dropped).toBe(SLOW);
  });

  it('answers /healthz within 100 ms throughout, with memory bounded', () => {
    expect(footprint.healthzMaxMs).toBeLessThan(100);
    // 20 unread dashboards at 1 MB each cannot account for more than a fraction of this.
    expect(footprint.peakRssBytes).toBeLessThan(400 * 1_048_576);
  });

  it('loses nothing acknowledged, and a reading dashboard equals the database', () => {
    expect(check.lost).toEqual([]);
    expect(check.wrong).toEqual([]);
    expect(check.acked).toBe(check.sent);
    expect(check.inDb).toBe(check.sent);
    expect(readerEqual).toBe(true);
  });
});
