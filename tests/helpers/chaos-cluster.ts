/**
 * The compose topology without Docker, for one fault scenario: its own Postgres database (on the suite's private
 * server) and its own Redis, two `serve` processes started together on the empty database (as compose does), a
 * workspace with a member and a daemon token, and a TCP balancer in front of both nodes (the nginx of compose).
 * `close()` tears down whatever was started, also after a failure half-way through start-up.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { migrate, openPostgres } from '../../server/store';
import { type Balancer, startBalancer } from './chaos-balancer';
import { type ChaosHub, startHub } from './chaos-hub';
import { type ChaosPostgres, startPostgres } from './chaos-postgres';
import { killAllChildren, tailOf } from './chaos-processes';
import { type ChaosRedis, startRedis } from './chaos-redis';
import { createTestWorkspace, type TestWorkspace } from './hub';

/**
 * Time for one scenario's start-up, load, fault, recovery and checks (about 20–30 s on a 2-core machine): keeps
 * the whole suite within 10 minutes even when a scenario hangs.
 */
export const SCENARIO_TIMEOUT_MS = 95_000;

export interface ChaosCluster {
  name: string;
  logDir: string;
  pg: ChaosPostgres;
  redis: ChaosRedis;
  hubs: [ChaosHub, ChaosHub];
  /** Round-robin over both nodes: the daemons' URL. */
  balancer: Balancer;
  workspace: TestWorkspace;
  /** Starts another balancer over the nodes (closed with the cluster). */
  addBalancer(policy: 'round-robin' | 'first', order?: ChaosHub[]): Promise<Balancer>;
  /** The last lines of every log (hubs, Redis, Postgres), for a failed scenario. */
  logs(): string;
  close(): Promise<void>;
}

export interface ClusterOptions {
  /** The DATABASE_URL a node gets (e.g. through a proxy); the database's own URL by default. */
  hubDatabaseUrl?: (hub: 'hub-1' | 'hub-2', pg: ChaosPostgres) => string | Promise<string>;
  /** Variables added to every node's environment. */
  hubEnv?: Record<string, string>;
}

export async function startCluster(
  name: string,
  pgBase: string,
  clusterOptions: ClusterOptions = {},
): Promise<ChaosCluster> {
  const logDir = mkdtempSync(join(tmpdir(), `rh-chaos-${name}-`));
  const teardown: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const step of teardown.reverse()) await step().catch(() => {});
    teardown.length = 0;
    await killAllChildren();
    if (!process.env.CHAOS_KEEP_LOGS) rmSync(logDir, { recursive: true, force: true });
  };
  try {
    const pg = await startPostgres(pgBase, `chaos_${name.replace(/\W/g, '_')}`);
    teardown.push(() => pg.close());
    const redis = await startRedis(logDir, name);
    teardown.push(() => redis.close());
    const options = async (hub: 'hub-1' | 'hub-2') => ({
      databaseUrl: (await clusterOptions.hubDatabaseUrl?.(hub, pg)) ?? pg.url,
      redisUrl: redis.url,
      logDir,
      env: clusterOptions.hubEnv,
    });
    const [a, b] = await Promise.all([
      startHub('hub-1', await options('hub-1')),
      startHub('hub-2', await options('hub-2')),
    ]);
    const db = openPostgres(pg.url, 2);
    let workspace: TestWorkspace;
    try {
      await migrate(db);
      workspace = await createTestWorkspace(db, `chaos-${name}`);
    } finally {
      await db.close();
    }
    const hubs: [ChaosHub, ChaosHub] = [a, b];
    const addBalancer = async (policy: 'round-robin' | 'first', order: ChaosHub[] = hubs) => {
      const lb = await startBalancer(
        order.map((h) => ({ host: '127.0.0.1', port: h.port })),
        { policy },
      );
      teardown.push(() => lb.close());
      return lb;
    };
    const balancer = await addBalancer('round-robin');
    return {
      name,
      logDir,
      pg,
      redis,
      hubs,
      balancer,
      workspace,
      addBalancer,
      logs: () =>
        [
          ...hubs.map((h) => `--- ${h.name} (pid ${h.child.pid})\n${h.log()}`),
          `--- redis\n${tailOf(join(logDir, `redis-${name}.log`), 15)}`,
          `--- postgres\n${tailOf(pg.logFile, 15)}`,
        ].join('\n'),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * The lifecycle every scenario file shares: start a cluster and run the scenario once in beforeAll (printing the
 * cluster's logs if it fails, so a CI failure explains itself), then `cleanup` and close the cluster in afterAll.
 */
export function scenarioOnce(
  start: () => Promise<ChaosCluster>,
  scenario: (cluster: ChaosCluster) => Promise<void>,
  cleanup: () => Promise<unknown>,
): void {
  let cluster: ChaosCluster | undefined;
  beforeAll(async () => {
    cluster = await start();
    try {
      await scenario(cluster);
    } catch (err) {
      console.log(cluster.logs());
      throw err;
    }
  }, SCENARIO_TIMEOUT_MS);
  afterAll(async () => {
    await cleanup();
    await cluster?.close();
  });
}
