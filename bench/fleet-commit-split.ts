/**
 * `npx tsx bench/fleet-commit-split.ts [commits] [runtimes] [events]`: what each part of the usage write costs the
 * Postgres backend on the fleet's commit (default 11 runtimes × 10 new events, the shape of `npm run bench`'s fleet
 * row), by ablation: copies of the write function with one part left out, created beside the real one in one fresh
 * database and called in turn (same batches, same minutes; which goes first rotates), the backend's CPU read from
 * `/proc/<pid>/schedstat` while it sleeps. A variant that leaves a part out writes inexact rollups: this measures
 * cost only. On a busy machine the medians move by ±5 % between runs: compare several runs.
 */
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { syntheticEvent } from '../server/daemon/simulate';
import { createPricer } from '../server/pricing';
import { migrate, openPostgres } from '../server/store';
import { COARSE_LEVELS, coarseRollupCtes } from '../server/store/rollups-coarse';
import { COARSE_ROLLUPS, USAGE_ROUTINE_SQL, WRITE_USAGE_CALL } from '../server/store/usage-routine';
import { encodeUsageBatch, type RuntimeUsageCall } from '../server/store/usage-writes';
import { createBenchDatabase } from './database';

const COMMITS = Number(process.argv[2] ?? 60);
const WARMUP = 5;
const RUNTIMES = Number(process.argv[3] ?? 11);
const EVENTS = Number(process.argv[4] ?? 10);

const name = /rh_write_usage_[0-9a-f]+/.exec(WRITE_USAGE_CALL)![0];
const allCoarse = COARSE_ROLLUPS;
/** The CTE text of the given coarse levels only. */
const coarseOf = (names: string[]) => {
  const kept = COARSE_LEVELS.filter((l) => names.includes(l.name));
  const saved = COARSE_LEVELS.splice(0, COARSE_LEVELS.length, ...kept);
  const text = coarseRollupCtes('deltas', 'bucket', 'levels_from_');
  COARSE_LEVELS.splice(0, COARSE_LEVELS.length, ...saved);
  return text;
};
/** The function's text with every `from` replaced by `to` (which must occur: the write has two statement forms). */
const without = (sql: string, from: string, to = '') => {
  if (!sql.includes(from)) throw new Error(`not in the function: ${from.slice(0, 60)}`);
  return sql.split(from).join(to);
};
/** A variant's text, which must differ from the function's (a pattern that no longer matches would not). */
const changed = (sql: string) => {
  if (sql === routine) throw new Error('variant equals the function');
  return sql;
};
const routine = USAGE_ROUTINE_SQL.slice(USAGE_ROUTINE_SQL.indexOf('CREATE OR REPLACE FUNCTION'));
const VARIANTS: Record<string, string> = {
  'the write as shipped': routine,
  'without the 4 coarse levels': without(routine, allCoarse),
  'without the 2 runtime levels': without(
    routine,
    allCoarse,
    coarseOf(['workspace_hourly', 'workspace_daily']),
  ),
  'without the 2 workspace levels': without(
    routine,
    allCoarse,
    coarseOf(['runtime_hourly', 'runtime_daily']),
  ),
  'without the usage_version bump': without(
    routine,
    'WHERE r.id = c.runtime_id AND (SELECT count(*) FROM rolled) >= 0',
    'WHERE false AND (SELECT count(*) FROM rolled) >= 0',
  ),
  'plain insert without its subtransaction': changed(
    routine.replace(
      /BEGIN\n(\s+-- A unique_violation[\s\S]*?RETURN;\n)\s+EXCEPTION WHEN unique_violation THEN[\s\S]*?END;\n(\s+END IF;)/,
      '$1$2',
    ),
  ),
  'without the advisory locks': without(
    routine,
    'pg_advisory_xact_lock_shared(hashtextextended(k.runtime_id::text, 41))',
    'hashtextextended(k.runtime_id::text, 41)',
  ),
  'without the returned rows': without(
    routine,
    /\n {2}FROM changed;/.exec(routine)![0],
    '\n  FROM changed WHERE false;',
  ),
};

const pricer = createPricer();
/** A batch as the hub sends it: in key order (the function locks in the batch's order). */
const encode = (calls: RuntimeUsageCall[]) => encodeUsageBatch(calls, pricer);
const database = await createBenchDatabase();
const setup = openPostgres(database.url, 1);
await migrate(setup);
await setup.close();
const client = new pg.Client({ connectionString: database.url });
await client.connect();
try {
  const [ws] = (await client.query(`INSERT INTO workspaces (name) VALUES ('split') RETURNING id`)).rows;
  const runtimes: string[] = [];
  for (let i = 0; i < RUNTIMES; i++) {
    const { rows } = await client.query(
      `INSERT INTO runtimes (workspace_id, daemon_id, provider, name, runtime_mode)
       VALUES ($1, gen_random_uuid(), 'claude', $2, 'local') RETURNING id`,
      [ws.id, `r${i}`],
    );
    runtimes.push(rows[0].id);
  }
  const calls = Object.entries(VARIANTS).map(([label, sql], i) => ({
    label,
    sql: sql.replaceAll(name, `${name}_v${i}`),
    call: WRITE_USAGE_CALL.replaceAll(name, `${name}_v${i}`),
    cpu: [] as number[],
  }));
  // 20,000 events written first and analyzed, as a running hub's table is: each variant's plans are made on it (a
  // plan made on an empty table looks keys up by scanning it, and stays so while autovacuum is off).
  for (let i = 0; i < 40; i++) {
    const events = Array.from({ length: 500 }, () => syntheticEvent('claude', Math.random, new Date()));
    await client.query(WRITE_USAGE_CALL, [encode([{ runtimeId: runtimes[i % RUNTIMES]!, events }])]);
  }
  await client.query('ANALYZE');
  for (const v of calls) await client.query(v.sql);
  const pid = (await client.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
  const cpuMs = () => Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1e6;
  for (let round = 0; round < COMMITS + WARMUP; round++) {
    // A different variant goes first each round, so none always follows the same one.
    for (let k = 0; k < calls.length; k++) {
      const v = calls[(round + k) % calls.length]!;
      const batch = encode(
        runtimes.map((runtimeId) => ({
          runtimeId,
          events: Array.from({ length: EVENTS }, () => syntheticEvent('claude', Math.random, new Date())),
        })),
      );
      const before = cpuMs();
      await client.query({ name: `v${calls.indexOf(v)}`, text: v.call, values: [batch] });
      if (round >= WARMUP) v.cpu.push(cpuMs() - before);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const base = median(calls[0]!.cpu);
  for (const v of calls) {
    const m = median(v.cpu);
    console.log(
      `${v.label.padEnd(32)} backend CPU median ${m.toFixed(3)} ms per commit (${((m / base) * 100).toFixed(0)} %)`,
    );
  }
} finally {
  await client.end();
  await database.drop();
}
