/**
 * The whole benchmark in one run, in an order that keeps scenarios from disturbing each other: a fresh
 * database, then the bare server (ceiling), the seed-pattern server, one hub for ingest, REST, web and
 * single-node fan-out, two hubs on Redis for latency, and a fresh hub for connections. A scenario that fails is
 * recorded (its rows say n/a) and the run goes on; children and the database are cleaned up whatever happens.
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
import { loadAverage, type Machine, machineInfo } from './machine';
import { stopAll } from './processes';
import { buildRows } from './rows';
import type { Scale } from './scale';
import { runScale, type ScaleResult } from './scale-history';
import { type AttributionResult, runAttribution, seedAttribution } from './scenarios/attribution';
import { type CommitLatency, runCommitLatency } from './scenarios/commit';
import { type ConnectionsResult, runConnections } from './scenarios/connections';
import { type FanoutResult, runFanout } from './scenarios/fanout';
import { type IngestRun, runIngest } from './scenarios/ingest';
import { type RestResult, runRest } from './scenarios/rest';
import { buildWeb, type ChartsResult, type JsSize, jsGzipSize, timeToCharts } from './scenarios/web';
import type { Row } from './table';

export const SCENARIOS = [
  'ceiling',
  'seed',
  'hub',
  'commit',
  'rest',
  'attribution',
  'web',
  'fanout',
  'latency',
  'connections',
  'scale',
] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface SuiteOptions {
  /** Run `npm run build:web` first (the web rows read web/dist). */
  build: boolean;
  /** Run only these scenarios (the others' rows say n/a). */
  only?: Scenario[];
  /** Hubs run under --cpu-prof and write their profiles here. */
  profileDir?: string;
  log?: (line: string) => void;
}

export interface Measured {
  ceiling?: IngestRun[];
  seed?: { runs: IngestRun[]; rowsWritten: number };
  hub?: { runs: IngestRun[]; rowsWritten: number };
  commit?: CommitLatency[];
  fanout?: FanoutResult[];
  latency?: { ratePerS: number; result: FanoutResult }[];
  connections?: ConnectionsResult;
  rest?: RestResult;
  attribution?: AttributionResult;
  webSize?: JsSize | null;
  webBuildError?: string | null;
  webCharts?: ChartsResult;
  webError?: string;
  scale?: ScaleResult;
}

export interface BenchResult {
  scale: Scale['name'];
  startedAt: string;
  seconds: number;
  machine: Machine & { loadAverageBefore: number[]; loadAverageAfter: number[] };
  rows: Row[];
  measured: Measured;
  /** Scenario → why it failed. */
  errors: Record<string, string>;
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

    await step('ceiling', 'ingest ceiling (bare Socket.IO)', async () => {
      const srv = await startBenchServer('bare-server', 'bare-server.ts', { maxSeconds: SERVER_SECONDS });
      try {
        measured.ceiling = await runIngest('bare', srv.url, 'unused', scale, {
          pid: srv.child.pid,
          hubMetrics: false,
        });
      } finally {
        await srv.child.stop();
      }
    });

    await step('seed', 'seed pattern', async () => {
      const config = { databaseUrl: database.url, poolSize: 10, maxSeconds: SERVER_SECONDS };
      const srv = await startBenchServer('seed-server', 'seed-server.ts', config);
      try {
        const runs = await runIngest('seed', srv.url, 'unused', scale, {
          pid: srv.child.pid,
          hubMetrics: false,
        });
        measured.seed = { runs, rowsWritten: await countRows(db, 'bench_seed_usage') };
      } finally {
        await srv.child.stop();
      }
    });

    await step('hub', 'hub ingest', async () => {
      const hub = await sharedHub();
      const before = await countRows(db, 'usage_events');
      const runs = await runIngest('hub', hub.url, ws.daemonToken, scale, {
        pid: hub.child.pid,
        hubMetrics: true,
      });
      measured.hub = { runs, rowsWritten: (await countRows(db, 'usage_events')) - before };
    });

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
