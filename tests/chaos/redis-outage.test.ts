/**
 * Scenario 2: Redis killed for 10 s under load. All daemons are on node A, so everything a dashboard on node B
 * receives crossed Redis. Ingest goes on (acks keep coming) and node A's own dashboards keep their live updates
 * while node B's miss them; within 2 s of Redis returning fan-out resumes, and the dashboards the hub made
 * reconnect refetch and end equal to the database. A naive dashboard that never refetches shows what was missed.
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
  type LedgerCheck,
  printFigures,
} from '../helpers/chaos-verify';

const OUTAGE_MS = 10_000;
const FANOUT_RESUMES_WITHIN_MS = 2_000;
const DAEMONS = 4;

describe('Redis stopped for 10 s under load', () => {
  let cluster: ChaosCluster;
  let fleet: DaemonFleet | undefined;
  const dashboards: ChaosDashboard[] = [];
  let onA: ChaosDashboard;
  let onB: ChaosDashboard;
  let naiveB: ChaosDashboard;
  /** The outage: from Redis's death (plus a margin for messages already on their way) to its return. */
  let outage: [number, number] = [0, 0];
  let backAt = 0;
  let resumedAt = Number.POSITIVE_INFINITY;
  let readyDuring: number[] = [];
  let readyAfter: number[] = [];
  let check: LedgerCheck;
  let viewA: CellComparison;
  let viewB: CellComparison;
  let naive: CellComparison;

  scenarioOnce(
    () => startCluster('redis-outage', inject('chaosPgBase')),
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
    const [nodeA, nodeB] = cluster.hubs;
    const { workspaceId, memberToken, daemonToken } = cluster.workspace;

    onA = new ChaosDashboard({ name: 'on-A', url: nodeA.url, token: memberToken });
    onB = new ChaosDashboard({ name: 'on-B', url: nodeB.url, token: memberToken });
    naiveB = new ChaosDashboard({
      name: 'naive-B',
      url: nodeB.url,
      token: memberToken,
      refetchOnReconnect: false,
    });
    dashboards.push(onA, onB, naiveB);
    await Promise.all(dashboards.map((d) => d.waitSettled(30_000)));

    fleet = new DaemonFleet({
      url: nodeA.url,
      token: daemonToken,
      daemons: DAEMONS,
      eventsPerTick: 60,
      tickMs: 500,
    });
    fleet.start();
    await until('every daemon connected', () => fleet!.connected() === DAEMONS, 30_000);
    await until('node B receives node A’s deltas', () => onB.deltas > 0, 15_000);
    await sleep(4_000);

    const downAt = Date.now();
    await cluster.redis.kill();
    readyDuring = await untilReadyz(cluster.hubs, 503, 8_000);
    await sleep(Math.max(0, downAt + OUTAGE_MS - Date.now()));
    await cluster.redis.start();
    backAt = Date.now();
    outage = [downAt + 500, backAt];

    resumedAt = await until(
      'node B receives deltas again',
      () => onB.firstDeltaAfter(backAt),
      20_000,
      20,
    ).catch(() => Number.POSITIVE_INFINITY);
    readyAfter = await untilReadyz(cluster.hubs, 200, 20_000);
    await sleep(4_000);
    fleet.stopGenerating();
    await fleet.flush(60_000);
    await Promise.all([onA, onB].map((d) => d.waitSettled(30_000)));
    await sleep(1_000);

    check = await checkLedger(cluster.pg, fleet);
    const db = await dbCells(cluster.pg, workspaceId);
    viewA = compareCells(onA.cells, db);
    viewB = compareCells(onB.cells, db);
    naive = compareCells(naiveB.cells, db);
    printFigures('Redis down 10 s', {
      sent: check.sent,
      acked: check.acked,
      in_db: check.inDb,
      lost: check.lost.length,
      wrong: check.wrong.length,
      tasks: `${check.tasks.inDb}/${check.tasks.expected}`,
      acked_during_outage: fleet.ledger.ackedBetween(...outage),
      readyz_during: readyDuring.join('/'),
      readyz_after: readyAfter.join('/'),
      fanout_resumed_ms: resumedAt - backAt,
      deltas_A_during_outage: onA.deltasBetween(...outage),
      deltas_B_during_outage: onB.deltasBetween(...outage),
      deltas_A: onA.deltas,
      deltas_B: onB.deltas,
      reconnects_A: onA.connects - 1,
      reconnects_B: onB.connects - 1,
      dashboard_A_equal: viewA.equal,
      dashboard_B_equal: viewB.equal,
      naive_B_missed_tokens: Object.values(naive.deficit).reduce((a, b) => a + b, 0),
    });
  }

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

  it('keeps ingesting and serving the local room while Redis is away; /readyz says 503, then 200', () => {
    expect(fleet!.ledger.ackedBetween(...outage)).toBeGreaterThan(0);
    expect(onA.deltasBetween(...outage)).toBeGreaterThan(0);
    expect(readyDuring).toEqual([503, 503]);
    expect(readyAfter).toEqual([200, 200]);
  });

  it('resumes cross-node fan-out within 2 s of Redis returning', () => {
    // Node B's dashboards really were cut off from node A's data during the outage …
    expect(onB.deltasBetween(...outage)).toBe(0);
    expect(naive.equal).toBe(false);
    // … and receive it again soon after Redis is back.
    expect(resumedAt - backAt).toBeLessThanOrEqual(FANOUT_RESUMES_WITHIN_MS);
  });

  it('makes the dashboards reconnect, and after their refetch they equal the database', () => {
    expect(onB.connects).toBeGreaterThan(1);
    expect(viewB.equal).toBe(true);
    expect(viewA.equal).toBe(true);
  });
});
