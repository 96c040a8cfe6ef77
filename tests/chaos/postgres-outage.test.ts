/**
 * Scenario 3: Postgres crashes (`pg_ctl stop -m immediate`) for 10 s in the middle of a burst of load. No call is
 * acknowledged ok:true while nothing can commit, and after recovery every acknowledged event is in the database;
 * daemons retry until their data is in; the totals end exact; both nodes recover without a restart; /readyz is
 * 503 during the outage and 200 after.
 */
import { describe, expect, inject, it } from 'vitest';
import { type ChaosCluster, scenarioOnce, startCluster } from '../helpers/chaos-cluster';
import { DaemonFleet } from '../helpers/chaos-daemons';
import { ChaosDashboard } from '../helpers/chaos-dashboard';
import { untilReadyz } from '../helpers/chaos-hub';
import { sleep, until } from '../helpers/chaos-processes';
import {
  type CellComparison,
  checkLedger,
  compareCells,
  dbCells,
  inDoubtCells,
  type LedgerCheck,
  presence,
  printFigures,
} from '../helpers/chaos-verify';

const OUTAGE_MS = 10_000;
const DAEMONS = 6;

describe('Postgres stopped for 10 s under load', () => {
  let flaps = 0;
  let cluster: ChaosCluster;
  let fleet: DaemonFleet | undefined;
  const dashboards: ChaosDashboard[] = [];
  let pids: number[] = [];
  let ackedWhileDown = -1;
  let retries = 0;
  let readyDuring: number[] = [];
  let readyAfter: number[] = [];
  let allOnline = false;
  let check: LedgerCheck;
  let views: CellComparison[] = [];

  scenarioOnce(
    () => startCluster('postgres-outage', inject('chaosPgBase')),
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
    const { hubs, pg } = cluster;
    const { workspaceId, memberToken, daemonToken } = cluster.workspace;
    pids = hubs.map((h) => h.child.pid);

    dashboards.push(
      ...hubs.map((h) => new ChaosDashboard({ name: `on-${h.name}`, url: h.url, token: memberToken })),
    );
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
    await sleep(5_000);

    await fleet.midBurst(2);
    const downAt = Date.now();
    await pg.stop('immediate');
    readyDuring = await untilReadyz(hubs, 503, 8_000);
    await sleep(Math.max(0, downAt + OUTAGE_MS - Date.now()));
    await pg.start();
    const upAt = Date.now();
    readyAfter = await untilReadyz(hubs, 200, 30_000);
    const readyMs = Date.now() - upAt;
    const firstAck = await until(
      'acks again',
      () => fleet!.ledger.acks.find((a) => a.at >= upAt)?.at,
      30_000,
      50,
    );
    await sleep(5_000);
    fleet.stopGenerating();
    await fleet.flush(60_000);
    await Promise.all(dashboards.map((d) => d.waitSettled(30_000)));
    await sleep(1_000);

    // While Postgres is down nothing can commit: an ok:true ack in this window (less a margin for acks already on
    // their way) would acknowledge what is not in the database.
    ackedWhileDown = fleet.ledger.ackedBetween(downAt + 2_000, upAt);
    retries = fleet.log.counts.get('usage not accepted; will retry') ?? 0;
    const mine = [...fleet.runtimeIds().values()];
    const runtimes = await presence(pg, workspaceId);
    allOnline = mine.every((id) => runtimes.get(id)?.status === 'online');
    check = await checkLedger(pg, fleet);
    const db = await dbCells(pg, workspaceId);
    const doubt = inDoubtCells(fleet);
    views = dashboards.map((d) => compareCells(d.cells, db, doubt));
    flaps = dashboards[0]!.runtimeLog.filter((r) => r.status === 'offline' && r.at > downAt).length;
    printFigures('Postgres down 10 s', {
      sent: check.sent,
      acked: check.acked,
      in_db: check.inDb,
      lost: check.lost.length,
      wrong: check.wrong.length,
      in_doubt: check.inDoubt,
      tasks: `${check.tasks.inDb}/${check.tasks.expected}`,
      acked_while_down: ackedWhileDown,
      refused_calls_retried: retries,
      readyz_during: readyDuring.join('/'),
      readyz_after: readyAfter.join('/'),
      ready_after_ms: readyMs,
      first_ack_after_ms: firstAck - upAt,
      runtimes_pushed_offline_after_outage: flaps,
      dashboards_equal: views.map((v) => v.equal).join('/'),
      dashboards_deficit_tokens: views
        .map((v) => Object.values(v.deficit).reduce((a, b) => a + b, 0))
        .join('/'),
    });
  }

  it('acknowledges nothing while Postgres is down, and every acknowledged event is stored', () => {
    expect(ackedWhileDown).toBe(0);
    expect(check.lost).toEqual([]);
  });

  it('ends with exactly the generated totals after the daemons retried', () => {
    expect(retries).toBeGreaterThan(0);
    expect(check.wrong).toEqual([]);
    expect(check.extra).toBe(0);
    expect(check.dropped).toBe(0);
    expect(check.inDb).toBe(check.sent);
    expect(check.acked).toBe(check.sent);
    expect(check.dbTotals).toEqual(check.expectedTotals);
    expect(check.tasks.wrong).toBe(0);
    expect(check.tasks.inDb).toBe(check.tasks.expected);
  });

  it('takes no runtime offline whose daemon stayed connected through the outage', () => {
    expect(flaps).toBe(0);
  });

  it('recovers without a restart: /readyz 503 during the outage, 200 after, runtimes online', () => {
    expect(readyDuring).toEqual([503, 503]);
    expect(readyAfter).toEqual([200, 200]);
    expect(cluster.hubs.map((h) => h.child.running)).toEqual([true, true]);
    expect(cluster.hubs.map((h) => h.child.pid)).toEqual(pids);
    expect(allOnline).toBe(true);
  });

  it('never shows dashboards more than the database, and less only by commits whose ack was lost', () => {
    for (const v of views) {
      expect(v.surplusCells).toBe(0);
      expect(v.unexplainedCells).toBe(0);
    }
  });
});
