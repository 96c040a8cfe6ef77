/**
 * `npx tsx bench/scale-write-cost.ts [commits]`: what the coarse rollups add to a commit. Commits of 1,000 live
 * events (200 runtimes × 5, the current minute, several models and sessions) through `writeUsageEvents`, as the
 * group-commit writer makes them, alternating rounds with and without the coarse-rollup CTEs (rollups-coarse.ts)
 * so the machine's load drifts over both alike; prints the median time per commit of each and their ratio.
 * `[commits] [level,level] [one-model]` measures only those levels (names in COARSE_LEVELS; `all` for every one), with
 * each runtime's events of a commit on one model when `one-model` is given.
 */
import { createPricer } from '../server/pricing';
import { type Database, lockRuntimes, pricedRow, type RuntimeUsageEvent } from '../server/store';
import { COARSE_LEVELS } from '../server/store/rollups-coarse';
import { createBenchDatabase, openPostgres, prepareWorkspace } from './database';
import { registerFleet, SCALE_MODELS } from './scale-seed';

const commits = Number(process.argv[2] ?? 200);
// argv[3]: the levels to measure (comma-separated names; default all).
const only = process.argv[3]?.split(',');
// argv[4] `one-model`: each runtime's 5 events of a commit share one model (a session's turns), instead of 5 models
// (the worst case for the per-runtime levels: every event its own runtime × model row).
const oneModel = process.argv[4] === 'one-model';
const levels = COARSE_LEVELS.filter((l) => !only || only[0] === 'all' || only.includes(l.name));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/**
 * The write function generated with and without the coarse levels: usage-routine.ts builds its SQL from
 * COARSE_LEVELS when it loads, so each variant is a fresh instance of that module (its name hashes its text).
 */
type Routine = typeof import('../server/store/usage-routine');
const ROUTINE = new URL('../server/store/usage-routine.ts', import.meta.url).href;
const all = [...COARSE_LEVELS];
COARSE_LEVELS.splice(0, COARSE_LEVELS.length, ...levels);
const withLevels = (await import(`${ROUTINE}?with-levels`)) as Routine;
COARSE_LEVELS.splice(0, COARSE_LEVELS.length);
const withoutLevels = (await import(`${ROUTINE}?without-levels`)) as Routine;
COARSE_LEVELS.splice(0, COARSE_LEVELS.length, ...all);

async function commit(db: Database, call: string, runtimeIds: string[], n: number): Promise<number> {
  const now = Date.now();
  const pricer = createPricer();
  const events: RuntimeUsageEvent[] = runtimeIds.flatMap((runtime_id, r) =>
    Array.from({ length: 5 }, (_, k) => ({
      runtime_id,
      id: `w-${n}-${r}-${k}`,
      ts: new Date(now - k * 1000).toISOString(),
      provider: r % 2 === 0 ? 'claude' : 'codex',
      model: SCALE_MODELS[(r + (oneModel ? 0 : k)) % SCALE_MODELS.length]!,
      input_tokens: 100 + k,
      output_tokens: 50,
      cache_read_tokens: 10_000,
      cache_write_tokens: 500,
      project: `p-${r % 7}`,
      session_id: `s-${r}-${k % 2}`,
      user: `u-${r >> 1}`,
    })),
  );
  const t = performance.now();
  await db.transaction(async (tx) => {
    await lockRuntimes(
      tx,
      events.map((e) => e.runtime_id),
    );
    await tx.query(call, [JSON.stringify(events.map((e) => pricedRow(e, pricer)))]);
  });
  return performance.now() - t;
}

const database = await createBenchDatabase();
const db = openPostgres(database.url, 2);
try {
  const ws = await prepareWorkspace(db);
  await db.exec(withLevels.USAGE_ROUTINE_SQL);
  await db.exec(withoutLevels.USAGE_ROUTINE_SQL);
  const fleet = await registerFleet(db, ws.workspaceId);
  const times = { with: [] as number[], without: [] as number[] };
  for (let n = 0; n < 20; n++) await commit(db, withLevels.WRITE_USAGE_CALL, fleet.runtimeIds, -1 - n); // warm-up
  for (let n = 0; n < commits; n++) {
    const coarse = Math.floor(n / 10) % 2 === 0;
    const call = coarse ? withLevels.WRITE_USAGE_CALL : withoutLevels.WRITE_USAGE_CALL;
    times[coarse ? 'with' : 'without'].push(await commit(db, call, fleet.runtimeIds, n));
  }
  const [a, b] = [median(times.with), median(times.without)];
  process.stdout.write(
    `${commits} commits of 1,000 events, levels ${levels.map((l) => l.name).join('+')}${oneModel ? ', one model per runtime' : ''}: median ${a.toFixed(1)} ms ` +
      `with them, ${b.toFixed(1)} ms without (${(a / b).toFixed(2)}×, +${(a - b).toFixed(1)} ms per commit)\n`,
  );
} finally {
  await db.close();
  await database.drop();
}
