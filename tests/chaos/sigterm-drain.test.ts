/**
 * Scenario 4: SIGTERM to one node under load (a rolling restart). The node drains — it commits and acknowledges
 * what it queued, refuses new calls, closes its sockets — and exits 0; its daemons move to the other node through
 * the balancer; nothing acknowledged is lost and the totals end exact. A drained commit is published before the
 * node closes, so the other node's dashboards miss nothing.
 */
import { describe, expect, inject, it } from 'vitest';
import { type ChaosCluster, scenarioOnce, startCluster } from '../helpers/chaos-cluster';
import { DaemonFleet } from '../helpers/chaos-daemons';
import { ChaosDashboard } from '../helpers/chaos-dashboard';
import { sleep, until } from '../helpers/chaos-processes';
import {
  type CellComparison,
  checkLedger,
  compareCells,
  dbCells,
  type LedgerCheck,
  presence,
  printFigures,
} from '../helpers/chaos-verify';

const DAEMONS = 6;

describe('SIGTERM to one node under load', () => {
  let cluster: ChaosCluster;
  let fleet: DaemonFleet | undefined;
  const dashboards: ChaosDashboard[] = [];
  let onSurvivor: ChaosDashboard;
  let viaFailover: ChaosDashboard;
  let exit: { code: number | string | null };
  let termAt = 0;
  let onDrainingNode = 0;
  let check: LedgerCheck;
  let survivorView: CellComparison;
  let failoverView: CellComparison;
  let allOnSurvivor = false;

  scenarioOnce(
    () => startCluster('sigterm-drain', inject('chaosPgBase')),
    (started) => {
      cluster = started;
      return runScenario();
    },
    async () => {
      for (const d of dashboards) d.close();
      await fleet?.stop();
    },
  );

  async function runScenario() {
    const [draining, survivor] = cluster.hubs;
    const { workspaceId, memberToken, daemonToken } = cluster.workspace;
    const daemonSockets = (hub: typeof draining) =>
      hub.metric('hub_socket_connections', 'namespace="/daemon"');

    const failover = await cluster.addBalancer('first', [draining, survivor]);
    onSurvivor = new ChaosDashboard({ name: 'on-survivor', url: survivor.url, token: memberToken });
    viaFailover = new ChaosDashboard({ name: 'via-failover', url: failover.url, token: memberToken });
    dashboards.push(onSurvivor, viaFailover);
    await Promise.all(dashboards.map((d) => d.waitSettled(30_000)));

    fleet = new DaemonFleet({
      url: cluster.balancer.url,
      token: daemonToken,
      daemons: DAEMONS,
      eventsPerTick: 60,
      tickMs: 500,
    });
    fleet.start();
    await until('every daemon connected', () => fleet!.connected() === DAEMONS, 30_000);
    await until(
      'daemons on both nodes',
      async () => (await daemonSockets(draining)) > 0 && (await daemonSockets(survivor)) > 0,
      30_000,
    );
    await sleep(5_000);

    onDrainingNode = await daemonSockets(draining);
    await fleet.midBurst();
    termAt = Date.now();
    draining.child.signal('SIGTERM');
    exit = await Promise.race([draining.child.exited, sleep(30_000).then(() => ({ code: 'timeout' }))]);
    const drainMs = Date.now() - termAt;
    await until(
      'every daemon reconnected to the survivor',
      async () => fleet!.connected() === DAEMONS && (await daemonSockets(survivor)) === DAEMONS,
      30_000,
    );
    const movedMs = Date.now() - termAt;
    await sleep(5_000);
    fleet.stopGenerating();
    await fleet.flush(60_000);
    await Promise.all(dashboards.map((d) => d.waitSettled(30_000)));
    await sleep(1_000);

    const after = await presence(cluster.pg, workspaceId);
    const survivorNode = [...after.values()][0]?.node;
    allOnSurvivor = [...after.values()].every((p) => p.status === 'online' && p.node === survivorNode);
    check = await checkLedger(cluster.pg, fleet);
    const db = await dbCells(cluster.pg, workspaceId);
    survivorView = compareCells(onSurvivor.cells, db);
    failoverView = compareCells(viaFailover.cells, db);
    printFigures('SIGTERM one node', {
      sent: check.sent,
      acked: check.acked,
      in_db: check.inDb,
      lost: check.lost.length,
      wrong: check.wrong.length,
      in_doubt: check.inDoubt,
      tasks: `${check.tasks.inDb}/${check.tasks.expected}`,
      exit_code: exit.code,
      drain_ms: drainMs,
      moved_in_ms: movedMs,
      daemons_on_draining_node: onDrainingNode,
      daemon_disconnects: fleet.log.counts.get('disconnected from hub') ?? 0,
      survivor_dashboard_disconnects: onSurvivor.disconnects.map((d) => `${d.reason}@+${d.at - termAt}ms`),
      survivor_dashboard_deltas: onSurvivor.deltas,
      survivor_deltas_after_term: onSurvivor.deltasBetween(termAt),
      survivor_dashboard_equal: survivorView.equal,
      failover_reconnects: viaFailover.connects - 1,
      failover_dashboard_equal: failoverView.equal,
    });
  }

  it('drains and exits 0', () => {
    expect(exit.code).toBe(0);
  });

  it('loses nothing acknowledged and ends with exactly the generated totals', () => {
    expect(check.lost).toEqual([]);
    expect(check.wrong).toEqual([]);
    expect(check.extra).toBe(0);
    expect(check.dropped).toBe(0);
    expect(check.inDb).toBe(check.sent);
    expect(check.acked).toBe(check.sent);
    expect(check.dbTotals).toEqual(check.expectedTotals);
    expect(check.tasks.wrong).toBe(0);
    expect(check.tasks.inDb).toBe(check.tasks.expected);
  });

  it('moves every daemon to the other node, which holds all runtimes online', () => {
    expect(allOnSurvivor).toBe(true);
  });

  it('keeps dashboards equal to the database: the survivor’s live, the drained node’s after a refetch', () => {
    expect(onSurvivor.deltasBetween(termAt)).toBeGreaterThan(0);
    expect(survivorView.equal).toBe(true);
    expect(viaFailover.connects).toBeGreaterThan(1);
    expect(failoverView.equal).toBe(true);
  });

  // Regression: a plain disconnectSockets in Hub.close went through the Redis adapter and disconnected every
  // node's clients; now only the stopping node's sockets are closed.
  it('leaves the daemons and dashboards of the other node connected', () => {
    expect(onSurvivor.disconnects).toEqual([]);
    expect(fleet!.log.counts.get('disconnected from hub') ?? 0).toBe(onDrainingNode);
  });
});
