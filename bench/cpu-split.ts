/**
 * `npx tsx bench/cpu-split.ts [seconds] [rounds] [shape]`: where the CPU of an ingest load goes, per acked event,
 * across every process that serves it — the load generator, the server (the bare Socket.IO server, then the hub),
 * the Postgres backends of the bench database and Postgres's own background processes (WAL writer, checkpointer:
 * machine-wide, so other users of this Postgres count there too). On two shared cores the ratio of the hub to the
 * bare ceiling is a CPU budget, so this is the split to cut (issue 16). Each process's CPU is the sum over its
 * threads of `/proc/<pid>/task/<tid>/schedstat` (ns on CPU), read at the start and the end of the measured window.
 * `shape` is `fleet` (default: one runtime per socket) or `hot`; 50 sockets, 10 events per call, 1 in flight
 * (CPU_SPLIT_INFLIGHT), as fast as the acks allow or paced (CPU_SPLIT_RATE). The hub runs as `npm run bench` runs it (dist/: `npm run build:server` first). Options by
 * environment (below): CPU_SPLIT_PERF, CPU_SPLIT_PROFILE, CPU_SPLIT_SEED_DAYS, CPU_SPLIT_WAITS and the A/B ones
 * (CPU_SPLIT_AB, _AB_SQL, _AB_ENV, _AB_DIR, _AB_SEED_DAYS). Also printed: the hub's commits, and the rows each table
 * got per event (and how many of its updates were HOT).
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { openPostgres } from '../server/store';
import { type BenchDatabase, createBenchDatabase, prepareWorkspace, seedRuntimeHistory } from './database';
import { spawnBenchChild, startBenchServer, startHub } from './hub';
import { commitStats, scrapeMetrics } from './hub-metrics';
import type { DaemonLoadConfig } from './load-daemons';
import { sampleWaits, waitsPerCommit } from './pg-waits';
import { type Child, sleep } from './processes';
import type { DaemonResult, ReadyMessage } from './protocol';

const [secondsArg, roundsArg, shapeArg] = process.argv.slice(2);
const SECONDS = Number(secondsArg ?? 8);
const ROUNDS = Number(roundsArg ?? 1);
const HOT = shapeArg === 'hot';
const WARMUP_S = 2;
const HUB_ENV = { DAEMON_RATE_PER_S: '1000000', HANDSHAKE_RATE_PER_S: '1000000' };

/** CPU nanoseconds a process's threads have used so far (0 when it is gone). */
function cpuNs(pid: number): number {
  let sum = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        sum += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
      } catch {
        // The thread ended meanwhile.
      }
    }
  } catch {
    return 0;
  }
  return sum;
}

/** Postgres processes by role: backends of `dbName`, and the server's background processes. */
function postgresPids(dbName: string): { backends: number[]; background: number[] } {
  const backends: number[] = [];
  const background: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmd: string;
    try {
      cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
    } catch {
      continue;
    }
    if (!cmd.startsWith('postgres: ')) continue;
    if (cmd.includes(` ${dbName} `)) backends.push(Number(entry));
    else if (/walwriter|checkpointer|background writer|autovacuum|walsender/.test(cmd))
      background.push(Number(entry));
  }
  return { backends, background };
}

type Groups = Record<'load generator' | 'server' | 'postgres backends' | 'postgres background', number[]>;
/** CPU ns per pid of each group. */
const sample = (g: Groups) =>
  Object.values(g)
    .flat()
    .map((p) => [p, cpuNs(p)] as const);
/** CPU ns each group used between two samples; a process gone at the second one (reads 0) is left out. */
const used = (g: Groups, before: ReturnType<typeof sample>, after: ReturnType<typeof sample>) => {
  const a = new Map(after);
  const b = new Map(before);
  const delta = (p: number) => ((a.get(p) ?? 0) > 0 ? a.get(p)! - (b.get(p) ?? 0) : 0);
  return Object.fromEntries(
    Object.entries(g).map(([k, pids]) => [k, pids.reduce((s, p) => s + delta(p), 0)]),
  );
};

/** Cumulative counters of the bench database: transactions, and rows inserted / updated per table. */
async function tableStats(stats: pg.Client): Promise<Map<string, number>> {
  // Counters pending in backends reach the shared stats within a second (Postgres 15).
  const out = new Map<string, number>();
  const xacts = await stats.query<{ n: string }>(
    'SELECT xact_commit AS n FROM pg_stat_database WHERE datname = current_database()',
  );
  out.set('transactions', Number(xacts.rows[0]?.n ?? 0));
  const tables = await stats.query<{ relname: string; n: string }>(
    'SELECT relname, n_tup_ins + n_tup_upd AS n, n_tup_upd AS upd, n_tup_hot_upd AS hot FROM pg_stat_user_tables',
  );
  for (const t of tables.rows as { relname: string; n: string; upd: string; hot: string }[]) {
    out.set(t.relname, Number(t.n));
    // Updates, and how many of them were HOT (no index entry: the new version fit on the row's page).
    out.set(`${t.relname} updates`, Number(t.upd));
    out.set(`${t.relname} HOT updates`, Number(t.hot));
  }
  return out;
}

async function measure(
  label: string,
  url: string,
  token: string,
  serverPid: number,
  stats: pg.Client,
  dbUrl: string,
) {
  const dbName = stats.database!;
  const ownPid = (await stats.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
  const backendsNow = () => postgresPids(dbName).backends.filter((p) => p !== ownPid);
  const config: Omit<DaemonLoadConfig, 'maxSeconds'> = {
    url,
    token,
    sockets: 50,
    // CPU_SPLIT_INFLIGHT=<n>: calls in flight per socket (the bench's other row is 4).
    inflight: Number(process.env.CPU_SPLIT_INFLIGHT ?? 1),
    // CPU_SPLIT_RATE=<events/s>: paced instead of as fast as the acks come back, so both sides of an A/B carry the
    // same load and their CPU per event compares (at full speed it moves with the throughput a busy host allows).
    ...(process.env.CPU_SPLIT_RATE ? { ratePerS: Number(process.env.CPU_SPLIT_RATE) } : {}),
    hot: HOT,
    eventsPerCall: 10,
    warmupS: WARMUP_S,
    durationS: SECONDS,
    callTimeoutMs: 30_000,
  };
  const load: Child = spawnBenchChild(`load:${label}`, 'load-daemons.ts', {
    ...config,
    maxSeconds: SECONDS + 120,
  });
  try {
    await load.next<ReadyMessage>('ready', 60_000);
    await sleep(WARMUP_S * 1000);
    const first = backendsNow();
    const groups: Groups = {
      'load generator': [load.pid],
      server: [serverPid],
      'postgres backends': [...first],
      'postgres background': postgresPids(dbName).background,
    };
    const metrics = label.startsWith('hub') ? await scrapeMetrics(url) : undefined;
    const rowsBefore = await tableStats(stats);
    // CPU_SPLIT_WAITS=1: also sample what the backends wait for (bench/pg-waits.ts), as ms per commit.
    const waits = process.env.CPU_SPLIT_WAITS && metrics ? await sampleWaits(dbUrl) : undefined;
    const before = sample(groups);
    const t0 = performance.now();
    // CPU_SPLIT_PERF=<dir>: also `perf record -g` the Postgres backends and the server for the window (the hub
    // runs with --perf-basic-prof then, so perf names its JavaScript functions).
    const perfDir = process.env.CPU_SPLIT_PERF;
    let perfDone: Promise<unknown> = Promise.resolve();
    if (perfDir) {
      const record = (name: string, pids: number[]) =>
        new Promise<void>((resolve) => {
          if (pids.length === 0) return resolve();
          const args = ['record', '-q', '-g', '-o', `${perfDir}/${label}-${name}.data`, '-p', pids.join(',')];
          spawn('perf', [...args, '--', 'sleep', String(SECONDS)], { stdio: 'ignore' }).on('exit', () =>
            resolve(),
          );
        });
      perfDone = Promise.all([record('pg', first), record('server', [serverPid])]);
    }
    await sleep(SECONDS * 1000);
    // Backends the pool opened during the window count whole (they started inside it).
    const later = backendsNow().filter((p) => !first.includes(p) && p !== waits?.pid);
    groups['postgres backends'].push(...later);
    const after = sample(groups);
    const wallS = (performance.now() - t0) / 1000;
    const commits = metrics ? commitStats(metrics, await scrapeMetrics(url)) : undefined;
    const waited = await waits?.stop();
    const result = await load.next<DaemonResult>('daemon-result', 120_000);
    await perfDone;
    await sleep(1100);
    const rowsAfter = await tableStats(stats);
    const events = result.measured.okEvents;
    const ns = used(groups, before, after);
    const allNs = Object.values(ns).reduce((s, v) => s + v, 0);
    const rows = Object.keys(groups).map((k) => [k, (ns[k]! / 1000 / events).toFixed(2)]);
    // Rows per event are over the load's whole measured run and the second after it: an estimate.
    const written = [...rowsAfter]
      .map(([t, n]) => [t, n - (rowsBefore.get(t) ?? 0)] as const)
      .filter(([, n]) => n > 0)
      .map(([t, n]) => `${t} ${(n / events).toFixed(3)}`);
    console.log(
      `${label}: ${(events / result.measured.seconds).toFixed(0)} ev/s, ${events} events, ` +
        `CPU ${((allNs / 1e9 / wallS) * 100).toFixed(0)} % of one core; ` +
        `µs CPU per event: ${rows.map(([k, v]) => `${k} ${v}`).join(', ')}, total ${(allNs / 1000 / events).toFixed(2)}` +
        ` (${first.length} backends${later.length ? ` + ${later.length} opened in the window` : ''}; ` +
        `errors ${JSON.stringify(result.errors)})` +
        (commits
          ? `; ${commits.commits} commits of ${commits.itemsPerCommit.toFixed(0)} events, ${commits.commitMs.toFixed(2)} ms each`
          : '') +
        (commits && waited
          ? `; backends per commit: ${waitsPerCommit(waited, commits.commits / wallS)}`
          : '') +
        (written.length ? `; per event: ${written.join(', ')}` : ''),
    );
  } finally {
    await load.stop();
  }
}

interface Side {
  label: string;
  database: BenchDatabase;
  token: string;
  stats: pg.Client;
  nodeOptions?: string;
  /** Extra hub environment and another checkout's entry point (the B side of an A/B). */
  env?: Record<string, string>;
  bin?: string;
}

/** A fresh database migrated by this checkout (then `sql`, if any), its workspace and a client for its counters. */
async function sideOf(label: string, sql?: string, nodeOptions?: string, seedDays = 0): Promise<Side> {
  const database = await createBenchDatabase();
  const db = openPostgres(database.url, 2);
  const ws = await prepareWorkspace(db);
  // As `npm run bench` does before its hub starts: the hub's plans are then made on a table that is not empty.
  if (seedDays > 0) await seedRuntimeHistory(db, ws.workspaceId, seedDays);
  if (sql) await db.exec(sql);
  await db.close();
  const stats = new pg.Client({ connectionString: database.url });
  await stats.connect();
  return { label, database, token: ws.daemonToken, stats, nodeOptions };
}

// A/B: CPU_SPLIT_AB="<NODE_OPTIONS>", CPU_SPLIT_AB_SQL="<sql run after migrate>", CPU_SPLIT_AB_ENV="K=V K2=V2" (hub
// environment) and/or CPU_SPLIT_AB_DIR=<another checkout, built> make a second side with its own database; each round then runs the hub on both, in turn (which goes first alternates), so the two share the
// minutes and the load. The bare server runs in the first round only.
const abOptions = process.env.CPU_SPLIT_AB;
const abSql = process.env.CPU_SPLIT_AB_SQL;
// CPU_SPLIT_SEED_DAYS=<days> (default 90, as the bench): history written before the hub starts, so its plans are
// made on a table that is not empty; CPU_SPLIT_AB_SEED_DAYS gives the second side its own (0: an empty database).
const seedDays = Number(process.env.CPU_SPLIT_SEED_DAYS ?? 90);
const abSeed = process.env.CPU_SPLIT_AB_SEED_DAYS;
const abEnv = process.env.CPU_SPLIT_AB_ENV;
const abDir = process.env.CPU_SPLIT_AB_DIR;
const sides = [await sideOf('hub', undefined, undefined, seedDays)];
if (abOptions || abSql || abSeed !== undefined || abEnv || abDir) {
  const label = [abOptions, abSql, abSeed !== undefined ? `seeded ${abSeed} days` : '', abEnv, abDir]
    .filter(Boolean)
    .join('; ');
  const side = await sideOf(`hub [${label}]`, abSql, abOptions, Number(abSeed ?? seedDays));
  if (abEnv) side.env = Object.fromEntries(abEnv.split(/\s+/).map((kv) => kv.split('=') as [string, string]));
  if (abDir) side.bin = `${abDir}/bin/runtime-hub.js`;
  sides.push(side);
}
try {
  for (let r = 0; r < ROUNDS; r++) {
    if (r === 0 || sides.length === 1) {
      const bare = await startBenchServer('bare-server', 'bare-server.ts', { maxSeconds: 600 });
      try {
        await measure('bare', bare.url, 'unused', bare.child.pid, sides[0]!.stats, sides[0]!.database.url);
      } finally {
        await bare.child.stop();
      }
    }
    for (const side of r % 2 === 0 ? sides : [...sides].reverse()) {
      const env: Record<string, string> = { ...HUB_ENV, ...side.env };
      if (process.env.CPU_SPLIT_PERF) env.NODE_OPTIONS = '--perf-basic-prof';
      if (side.nodeOptions) env.NODE_OPTIONS = `${env.NODE_OPTIONS ?? ''} ${side.nodeOptions}`;
      // CPU_SPLIT_PROFILE=<dir>: the hub runs under --cpu-prof (bench/profile-summary.ts reads it).
      const hub = await startHub({
        databaseUrl: side.database.url,
        env,
        script: side.bin,
        profileDir: process.env.CPU_SPLIT_PROFILE,
      });
      try {
        await measure(side.label, hub.url, side.token, hub.child.pid, side.stats, side.database.url);
      } finally {
        await hub.child.stop();
      }
    }
  }
} finally {
  for (const side of sides) {
    await side.stats.end();
    await side.database.drop();
  }
}
