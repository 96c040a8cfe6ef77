/**
 * `npx tsx bench/writer-ab.ts <other-checkout> [rounds]`: one commit's cost, this checkout against another one (for
 * example a `git worktree` of main with this checkout's node_modules linked in), in one process, commits
 * alternating, so that both sides share the minutes and the load of a busy machine. Each side is the real ingest
 * path from the group-commit writer down (pricing by its own pricer, encoding, the one-statement commit, the answer,
 * the report to a dashboard namespace with no screen open), on its own pool connection to one fresh database migrated
 * by this checkout
 * (whose write function must be the other side's too: compare hub-side changes, not SQL ones).
 * Prints, per batch shape, the medians of the hub's CPU per commit (`process.cpuUsage`, the whole process) and of
 * the Postgres backend's CPU (`/proc/<pid>/schedstat`, so a backend waiting for a core is not counted).
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import pino from 'pino';
import { Server } from 'socket.io';
import { syntheticEvent } from '../server/daemon/simulate';
import { createMetrics } from '../server/observability/metrics';
import { migrate, openPostgres } from '../server/store';
import { createBenchDatabase } from './database';

const [otherDir, roundsArg] = process.argv.slice(2);
if (!otherDir) {
  process.stderr.write('usage: npx tsx bench/writer-ab.ts <other-checkout> [rounds]\n');
  process.exit(2);
}
const ROUNDS = Number(roundsArg ?? 60);
const WARMUP = 5;
/**
 * Batch shapes: calls per commit × events per call (the fleet's 10 ev/call commits at 1 and 4 in flight, its
 * 1 ev/call ones, a large one).
 */
const SHAPES = [
  [25, 10],
  [11, 10],
  [34, 1],
  [1, 500],
] as const;

/** One side's modules, loaded from its checkout (the other side's may have other signatures: typed loosely). */
async function side(dir: string) {
  const load = (path: string) => import(resolve(dir, path));
  const { GroupCommitWriter } = await load('server/ingest/group-commit.ts');
  const { dashboardChanges } = await load('server/realtime/dashboard-changes.ts');
  const { openPostgres: open } = await load('server/store/database.ts');
  // Each side prices with its own pricer: pricing is part of the hub's CPU per commit.
  const { createPricer: pricerOf } = await load('server/pricing.ts');
  return { GroupCommitWriter, dashboardChanges, open, pricer: pricerOf() };
}

const database = await createBenchDatabase();
try {
  const setup = openPostgres(database.url, 1);
  await migrate(setup);
  await setup.close();

  const io = new Server();
  const dashboards = io.of('/dashboard');
  const resync = { request() {} };
  const metrics = createMetrics();
  const logger = pino({ level: 'silent' });
  const sides = await Promise.all(
    [resolve('.'), resolve(otherDir)].map(async (dir) => {
      const m = await side(dir);
      const db = m.open(database.url, 1);
      // A trailing argument a side does not take is ignored (`clustered: false`: one node, no Redis).
      const changes = m.dashboardChanges(dashboards, resync, metrics, logger, false);
      const writer = new m.GroupCommitWriter(db, {
        maxQueuedItems: 1e7,
        maxBatchItems: 1e7,
        lingerMs: 0,
        pricer: m.pricer,
        changes,
      });
      const [{ pid }] = await db.query('SELECT pg_backend_pid() AS pid');
      return { dir, db, writer, pid: pid as number };
    }),
  );
  const backendCpuUs = (pid: number) =>
    Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e3;
  const runtimes = Array.from({ length: 50 }, () => randomUUID());
  const workspaceId = randomUUID();
  const calls = (n: number, perCall: number) =>
    Array.from({ length: n }, (_, i) => ({
      kind: 'usage',
      workspaceId,
      runtimeId: runtimes[i % runtimes.length],
      // Parsed from JSON as a socket's payload is.
      items: Array.from({ length: perCall }, () =>
        JSON.parse(JSON.stringify(syntheticEvent('claude', Math.random, new Date()))),
      ),
      answered: Promise.resolve(),
    }));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

  for (const [n, perCall] of SHAPES) {
    const hub = sides.map(() => [] as number[]);
    const pg = sides.map(() => [] as number[]);
    for (let round = 0; round < ROUNDS + WARMUP; round++) {
      // Alternate which side goes first, so neither always follows the other's garbage or cache state.
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const i of order) {
        const s = sides[i]!;
        const batch = calls(n, perCall);
        const pg0 = backendCpuUs(s.pid);
        const cpu0 = process.cpuUsage();
        await Promise.all(batch.map((c) => s.writer.submit(c)));
        await new Promise((r) => setImmediate(r)); // its report runs once every call was answered
        const cpu = process.cpuUsage(cpu0);
        if (round < WARMUP) continue;
        hub[i]!.push(cpu.user + cpu.system);
        pg[i]!.push(backendCpuUs(s.pid) - pg0);
      }
    }
    const [h0, h1] = hub.map(median) as [number, number];
    const [p0, p1] = pg.map(median) as [number, number];
    process.stdout.write(
      `${n} calls × ${perCall} events: hub CPU per commit other ${h1.toFixed(0)} µs → this ${h0.toFixed(0)} µs ` +
        `(${(h0 / h1).toFixed(2)}×); Postgres CPU per commit ${p1.toFixed(0)} → ${p0.toFixed(0)} µs (${(p0 / p1).toFixed(2)}×)\n`,
    );
  }
  await Promise.all(sides.map((s) => s.db.close()));
} finally {
  await database.drop();
}
process.exit(0);
