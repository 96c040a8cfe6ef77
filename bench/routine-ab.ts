/**
 * `npx tsx bench/routine-ab.ts <other-checkout> [commits]`: the usage write's SQL side, this checkout against
 * another one (a `git archive` of main unpacked with this checkout's node_modules linked in will do), in one
 * process, commits alternating, so that both sides share the minutes and the load of a busy machine. Each side has a
 * fresh database migrated by its own checkout (its own migrations and write function) and sends the same batches,
 * each encoded by its own checkout's encodeUsageBatch (the batch format is part of the SQL side; hub-side costs are
 * bench/writer-ab.ts's), as one statement outside any transaction, as the hub's lone commits do. Prints per batch shape the medians of the wall time, the
 * Postgres backend's CPU (`/proc/<pid>/schedstat`, read while the backend sleeps, so exact) and the WAL bytes per
 * commit (`pg_current_wal_lsn` before and after).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import pg from 'pg';
import { syntheticEvent } from '../server/daemon/simulate';
import { createPricer } from '../server/pricing';
import { openPostgres } from '../server/store';
import type { UsageEvent } from '../shared';
import { createBenchDatabase } from './database';

const [otherDir, commitsArg] = process.argv.slice(2);
if (!otherDir) {
  process.stderr.write('usage: npx tsx bench/routine-ab.ts <other-checkout> [commits]\n');
  process.exit(2);
}
const COMMITS = Number(commitsArg ?? 60);
const WARMUP = 5;
/**
 * Batch shapes: runtimes × events per runtime, and how many of each runtime's events re-send (with one more output
 * token) the ones its previous batch re-sent or, for `replace: 'new'`, the ones it added (each replaced once).
 */
const SHAPES = [
  { name: '500 new events', runtimes: 1, events: 500, replaced: 0, replace: 'same' },
  {
    name: '500 events, 250 re-sent (the commit scenario)',
    runtimes: 1,
    events: 500,
    replaced: 250,
    replace: 'same',
  },
  {
    name: '500 events, 250 of the last batch grown once',
    runtimes: 1,
    events: 500,
    replaced: 250,
    replace: 'new',
  },
  {
    name: '11 runtimes × 10 new events (the fleet, two writers)',
    runtimes: 11,
    events: 10,
    replaced: 0,
    replace: 'same',
  },
  {
    name: '23 runtimes × 10 new events (the fleet, one writer, session 9)',
    runtimes: 23,
    events: 10,
    replaced: 0,
    replace: 'same',
  },
  {
    name: '1 runtime × 1 new event (the fixed cost)',
    runtimes: 1,
    events: 1,
    replaced: 0,
    replace: 'same',
  },
  {
    name: '50 runtimes × 5 new events (the fleet, one writer)',
    runtimes: 50,
    events: 5,
    replaced: 0,
    replace: 'same',
  },
] as const;

const pricer = createPricer();
interface Medians {
  wall: number;
  cpu: number;
  wal: number;
  kb: number;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function side(dir: string) {
  const { migrate } = await import(resolve(dir, 'server/store/migrate.ts'));
  const { WRITE_USAGE_CALL } = await import(resolve(dir, 'server/store/usage-routine.ts'));
  const { encodeUsageBatch } = await import(resolve(dir, 'server/store/usage-writes.ts'));
  // A checkout whose write function takes the batch in key order sorts it as its hub does (usage-batch-order.ts).
  const order = existsSync(resolve(dir, 'server/store/usage-batch-order.ts'))
    ? ((await import(resolve(dir, 'server/store/usage-batch-order.ts'))).inKeyOrder as <T>(calls: T) => T)
    : <T>(calls: T) => calls;
  const database = await createBenchDatabase();
  const setup = openPostgres(database.url, 1);
  await migrate(setup);
  await setup.close();
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  const [ws] = (await client.query(`INSERT INTO workspaces (name) VALUES ('routine-ab') RETURNING id`)).rows;
  const runtimes: string[] = [];
  for (let i = 0; i < 50; i++) {
    const { rows } = await client.query(
      `INSERT INTO runtimes (workspace_id, daemon_id, provider, name, runtime_mode)
       VALUES ($1, gen_random_uuid(), 'claude', $2, 'local') RETURNING id`,
      [ws.id, `r${i}`],
    );
    runtimes.push(rows[0].id);
  }
  const { rows } = await client.query('SELECT pg_backend_pid() AS pid');
  return {
    dir,
    database,
    client,
    call: WRITE_USAGE_CALL as string,
    encode: (calls: { runtimeId: string; events: UsageEvent[] }[], p: typeof pricer): string =>
      encodeUsageBatch(order(calls), p),
    runtimes,
    pid: rows[0].pid as number,
  };
}

const sides = [await side(resolve('.')), await side(resolve(otherDir))];
// ROUTINE_AB_FRESH=1: each side's connection first makes its plans on a nearly empty table (8 one-event commits), as
// a hub started on a fresh database does; where nothing analyzes the table (autovacuum off, PGlite) they stay.
if (process.env.ROUTINE_AB_FRESH)
  for (const s of sides)
    for (let i = 0; i < 8; i++)
      await s.client.query({
        name: 'write',
        text: s.call,
        values: [
          s.encode(
            [{ runtimeId: s.runtimes[0]!, events: [syntheticEvent('claude', Math.random, new Date())] }],
            pricer,
          ),
        ],
      });
// ROUTINE_AB_SEED=<events>: each side first writes that many events (500 a commit, spread over its runtimes and the
// last 90 days) and analyzes, so the tables and indexes are of a running hub's size (the bench seeds 90 days).
const seed = Number(process.env.ROUTINE_AB_SEED ?? 0);
for (const s of sides)
  for (let i = 0; i < seed / 500; i++) {
    const at = new Date(Date.now() - Math.random() * 90 * 86_400_000);
    const events = Array.from({ length: 500 }, () => syntheticEvent('claude', Math.random, at));
    await s.client.query(s.call, [
      s.encode([{ runtimeId: s.runtimes[i % s.runtimes.length]!, events }], pricer),
    ]);
  }
if (seed > 0) for (const s of sides) await s.client.query('ANALYZE');
// The backends' pids, for `perf record -g -p <pid>` of one side while the run goes on.
process.stderr.write(`backend pid: this ${sides[0]!.pid}, other ${sides[1]!.pid}\n`);
const backendCpuMs = (pid: number) =>
  Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
try {
  // ROUTINE_AB_ONLY=<text>: only the shapes whose name holds it (a shorter run on a busy machine).
  for (const shape of SHAPES.filter((x) => x.name.includes(process.env.ROUTINE_AB_ONLY ?? ''))) {
    const stats = sides.map(() => ({
      wall: [] as number[],
      cpu: [] as number[],
      wal: [] as number[],
      kb: [] as number[],
    }));
    const previous = sides.map(() => new Map<string, UsageEvent[]>());
    for (let round = 0; round < COMMITS + WARMUP; round++) {
      // Alternate which side goes first, so neither always follows the other's cache state.
      for (const i of round % 2 === 0 ? [0, 1] : [1, 0]) {
        const s = sides[i]!;
        const calls = s.runtimes.slice(0, shape.runtimes).map((runtimeId) => {
          const before = previous[i]!.get(runtimeId) ?? [];
          const n = Math.min(before.length, shape.replaced);
          const again = shape.replace === 'same' ? before.slice(0, n) : before.slice(before.length - n);
          const events = [
            ...again.map((e) => ({ ...e, output_tokens: e.output_tokens + 1 })),
            ...Array.from({ length: shape.events - n }, () =>
              syntheticEvent('claude', Math.random, new Date()),
            ),
          ];
          previous[i]!.set(runtimeId, events);
          return { runtimeId, events };
        });
        const batch = s.encode(calls, pricer);
        const [{ lsn }] = (await s.client.query({ name: 'lsn', text: 'SELECT pg_current_wal_lsn() AS lsn' }))
          .rows;
        const cpu0 = backendCpuMs(s.pid);
        const t0 = performance.now();
        await s.client.query({ name: 'write', text: s.call, values: [batch] });
        const wall = performance.now() - t0;
        const cpu = backendCpuMs(s.pid) - cpu0;
        const [{ bytes }] = (
          await s.client.query({
            name: 'wal',
            text: 'SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1)::float8 AS bytes',
            values: [lsn],
          })
        ).rows;
        if (round < WARMUP) continue;
        stats[i]!.wall.push(wall);
        stats[i]!.cpu.push(cpu);
        stats[i]!.wal.push(bytes / 1024);
        stats[i]!.kb.push(Buffer.byteLength(batch) / 1024);
      }
    }
    const [self, other] = stats.map((x) => ({
      wall: median(x.wall),
      cpu: median(x.cpu),
      wal: median(x.wal),
      kb: median(x.kb),
    })) as [Medians, Medians];
    process.stdout.write(
      `${shape.name}: wall p50 other ${other.wall.toFixed(2)} → this ${self.wall.toFixed(2)} ms; ` +
        `backend CPU ${other.cpu.toFixed(2)} → ${self.cpu.toFixed(2)} ms (${(self.cpu / other.cpu).toFixed(2)}×); ` +
        `WAL ${other.wal.toFixed(0)} → ${self.wal.toFixed(0)} KB; batch ${other.kb.toFixed(1)} → ${self.kb.toFixed(1)} KB\n`,
    );
  }
} finally {
  for (const s of sides) {
    await s.client.end();
    await s.database.drop();
  }
}
process.exit(0);
