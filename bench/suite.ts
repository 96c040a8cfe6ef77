/**
 * The whole benchmark in one run, in an order that keeps scenarios from disturbing each other: a fresh
 * database, then the seed-pattern server, one hub for ingest (taking turns with the bare server, its ceiling),
 * REST, web and single-node fan-out, two hubs on Redis for latency, and a fresh hub for connections. A scenario
 * that fails is recorded (its rows say n/a) and the run goes on; children and the database are cleaned up whatever
 * happens.
 */
import {
  countRows,
  createBenchDatabase,
  openPostgres,
  prepareWorkspace,
  REDIS_URL,
  seedRuntimeHistory,
  settleUsageTables,
} from './database';
import { type HubNode, startBenchServer, startHub } from './hub';
import { loadAverage, machineInfo } from './machine';
import type { BenchResult, Measured, Scenario } from './measured';
import { stopAll } from './processes';
import { buildRows } from './rows';
import type { Scale } from './scale';
import { runScale } from './scale-history';
import { runAttribution, seedAttribution } from './scenarios/attribution';
import { runCommitLatency } from './scenarios/commit';
import { runConnections } from './scenarios/connections';
import { runFanout } from './scenarios/fanout';
import { runIngest, runIngestTakingTurns } from './scenarios/ingest';
import { runRest } from './scenarios/rest';
import { buildWeb, jsGzipSize, timeToCharts } from './scenarios/web';

export interface SuiteOptions {
  /** Run `npm run build:web` first (the web rows read web/dist). */
  build: boolean;
  /** Run only these scenarios (the others' rows say n/a). */
  only?: Scenario[];
  /** Hubs run under --cpu-prof and write their profiles here. */
  profileDir?: string;
  log?: (line: string) => void;
}

/**
 * The hub's abuse limits are raised on the measured hubs: every load generator (and the browser) connects from
 * 127.0.0.1, and the limiters are not what is being measured. A limiter added later shows up as refused calls
 * or non-2xx responses in the notes (and fails the smoke test) until it is listed here.
 */
const HUB_ENV = {
  DAEMON_RATE_PER_S: '1000000',
  HANDSHAKE_RATE_PER_S: '1000000',
  REST_RATE_PER_MIN: '100000000',
};
const SERVER_SECONDS = 900;

export async function runSuite(scale: Scale, options: SuiteOptions): Promise<BenchResult> {
  const log = options.log ?? (() => {});
  const started = Date.now();
  const loadAverageBefore = loadAverage();
  const machine = await machineInfo();
  const measured: Measured = {};
  const errors: Record<string, string> = {};
  const step = async (scenario: Scenario, name: string, fn: () => Promise<void>) => {
    if (options.only && !options.only.includes(scenario)) return;
    const t = performance.now();
    log(`${name}…`);
    try {
      await fn();
      log(`${name} done in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    } catch (err) {
      errors[scenario] = err instanceof Error ? err.message : String(err);
      if (scenario === 'web') measured.webError = errors[scenario];
      log(`${name} FAILED: ${errors[scenario]}`);
    }
  };

  if (options.build && scale.webSamples > 0) {
    await step('web', 'build:web', async () => {
      measured.webBuildError = await buildWeb();
    });
  }
  measured.webSize = jsGzipSize();

  const database = await createBenchDatabase();
  const db = openPostgres(database.url, 4);
  const hubOptions = { databaseUrl: database.url, profileDir: options.profileDir, env: HUB_ENV };
  /** One hub for ingest, REST, web and single-node fan-out, started when first needed. */
  let shared: HubNode | undefined;
  const sharedHub = async () => {
    shared ??= await startHub({ ...hubOptions, name: 'hub' });
    return shared;
  };
  try {
    const ws = await prepareWorkspace(db);
    const historyRuntime = await seedRuntimeHistory(db, ws.workspaceId, scale.historyDays);

    const bareServer = () =>
      startBenchServer('bare-server', 'bare-server.ts', { maxSeconds: SERVER_SECONDS });
    const bareTarget = (srv: Awaited<ReturnType<typeof bareServer>>) => ({
      label: 'bare',
      url: srv.url,
      token: 'unused',
      server: { pid: srv.child.pid, hubMetrics: false },
    });
    const hubTarget = (hub: HubNode) => ({
      label: 'hub',
      url: hub.url,
      token: ws.daemonToken,
      server: { pid: hub.child.pid, hubMetrics: true },
    });
    // Both asked for: the hub and its ceiling take turns variant by variant (below), so their ratio is of runs
    // seconds apart.
    const turns = !options.only || (options.only.includes('ceiling') && options.only.includes('hub'));
    if (!turns) {
      await step('ceiling', 'ingest ceiling (bare Socket.IO)', async () => {
        const srv = await bareServer();
        try {
          measured.ceiling = await runIngest(bareTarget(srv), scale);
        } finally {
          await srv.child.stop();
        }
      });
    }

    await step('seed', 'seed pattern', async () => {
      const config = { databaseUrl: database.url, poolSize: 10, maxSeconds: SERVER_SECONDS };
      const srv = await startBenchServer('seed-server', 'seed-server.ts', config);
      try {
        const runs = await runIngest(
          { label: 'seed', url: srv.url, token: 'unused', server: { pid: srv.child.pid, hubMetrics: false } },
          scale,
        );
        measured.seed = { runs, rowsWritten: await countRows(db, 'bench_seed_usage') };
      } finally {
        await srv.child.stop();
      }
    });

    await step(
      'hub',
      turns ? 'hub ingest, taking turns with its ceiling (bare Socket.IO)' : 'hub ingest',
      async () => {
        const hub = await sharedHub();
        const before = await countRows(db, 'usage_events');
        if (turns) {
          const srv = await bareServer();
          try {
            const [ceiling, runs] = await runIngestTakingTurns([bareTarget(srv), hubTarget(hub)], scale);
            measured.ceiling = ceiling;
            measured.hub = { runs: runs!, rowsWritten: 0 };
          } finally {
            await srv.child.stop();
          }
        } else measured.hub = { runs: await runIngest(hubTarget(hub), scale), rowsWritten: 0 };
        measured.hub.rowsWritten = (await countRows(db, 'usage_events')) - before;
      },
    );

    await step('commit', 'commit latency (group-commit writer alone)', async () => {
      measured.commit = await runCommitLatency(
        db,
        ws.workspaceId,
        scale.commit.batchSizes,
        scale.commit.samples,
      );
    });

    await step('rest', 'REST history', async () => {
      const hub = await sharedHub();
      measured.rest = await runRest({
        baseUrl: hub.url,
        runtimeId: historyRuntime,
        memberToken: ws.memberToken,
        ...scale.rest,
      });
    });

    await step('attribution', 'REST history by project and user', async () => {
      const hub = await sharedHub();
      // A workspace of its own, so the workspace-wide views read exactly this history.
      const attributed = await prepareWorkspace(db);
      const rowsBefore = await countRows(db, 'usage_quarter');
      const t = performance.now();
      const events = await seedAttribution(db, attributed.workspaceId, scale.attribution.days);
      const seedSeconds = (performance.now() - t) / 1000;
      const rollupRows = (await countRows(db, 'usage_quarter')) - rowsBefore;
      await settleUsageTables(db);
      const views = await runAttribution({
        baseUrl: hub.url,
        memberToken: attributed.memberToken,
        ...scale.attribution,
      });
      measured.attribution = { events, rollupRows, seedSeconds, views };
    });

    if (scale.webSamples > 0 && measured.webSize && !measured.webBuildError) {
      await step('web', 'web time to charts', async () => {
        const hub = await sharedHub();
        measured.webCharts = await timeToCharts({
          baseUrl: hub.url,
          memberToken: ws.memberToken,
          runtimeId: historyRuntime,
          samples: scale.webSamples,
        });
      });
    }

    await step('fanout', 'fan-out (one node)', async () => {
      const hub = await sharedHub();
      measured.fanout = [];
      for (const dashboards of scale.fanout.dashboards) {
        measured.fanout.push(
          await runFanout({
            label: `fanout-${dashboards}`,
            producerUrl: hub.url,
            dashboardUrl: hub.url,
            dashboardHubPid: hub.child.pid,
            daemonToken: ws.daemonToken,
            memberToken: ws.memberToken,
            dashboards,
            events: scale.fanout.events,
            producerSockets: scale.fanout.producerSockets,
            inflight: scale.fanout.inflight,
            drainS: 60,
          }),
        );
      }
    });
    await shared?.child.stop();

    await step('latency', 'fan-out latency (two nodes on Redis)', async () => {
      const a = await startHub({ ...hubOptions, redisUrl: REDIS_URL, name: 'hub-a' });
      const b = await startHub({ ...hubOptions, redisUrl: REDIS_URL, name: 'hub-b' });
      const { screens, ratesPerS, durationS, producerSockets } = scale.latency;
      measured.latency = [];
      for (const ratePerS of ratesPerS) {
        const result = await runFanout({
          label: `latency-${ratePerS}`,
          producerUrl: a.url,
          dashboardUrl: b.url,
          dashboardHubPid: b.child.pid,
          daemonToken: ws.daemonToken,
          memberToken: ws.memberToken,
          dashboards: screens,
          events: Math.round(ratePerS * durationS),
          producerSockets,
          inflight: 32,
          ratePerS,
          drainS: 30,
          warmupS: scale.latency.warmupS,
        });
        measured.latency.push({ ratePerS, result });
      }
      await Promise.all([a.child.stop(), b.child.stop()]);
    });

    await step('connections', 'connections', async () => {
      const node = await startHub({ ...hubOptions, name: 'hub-connections' });
      measured.connections = await runConnections({
        url: node.url,
        daemonToken: ws.daemonToken,
        hubPid: node.child.pid,
        steps: scale.connections.steps,
        perProcess: scale.connections.perProcess,
        settleMs: scale.name === 'tiny' ? 300 : 2_000,
      });
      await node.child.stop();
    });

    // Last and in its own database: it seeds millions of events and starts its own hubs.
    await step('scale', 'history at scale', async () => {
      measured.scale = await runScale(scale, { hubEnv: HUB_ENV, profileDir: options.profileDir, log });
    });
  } finally {
    // Whatever a failed step left running (hubs included) is stopped here.
    await stopAll();
    await db.close().catch(() => {});
    await database.drop().catch((err: unknown) => log(`could not drop ${database.name}: ${String(err)}`));
  }

  return {
    scale: scale.name,
    startedAt: new Date(started).toISOString(),
    seconds: Math.round((Date.now() - started) / 100) / 10,
    machine: { ...machine, loadAverageBefore, loadAverageAfter: loadAverage() },
    rows: buildRows(scale, measured),
    measured,
    errors,
  };
}
