/**
 * `npx tsx bench/scale-brin-cost.ts [commits]`: what the BRIN index on usage_quarter(bucket) (migration 009) adds
 * to a commit. Two fresh databases, one without the index; commits of 1,000 live events of 200 runtimes (each a
 * new quarter-hour row) through `writeUsageEvents`, alternating between them in rounds of 10 so the machine's
 * load drifts over both alike; prints the median time per commit of each and their ratio.
 */
import { createPricer } from '../server/pricing';
import { type Database, lockRuntimes, type RuntimeUsageEvent, writeUsageEvents } from '../server/store';
import { createBenchDatabase, openPostgres, prepareWorkspace } from './database';
import { registerFleet, SCALE_MODELS } from './scale-seed';

const commits = Number(process.argv[2] ?? 200);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
async function commit(db: Database, runtimeIds: string[], n: number): Promise<number> {
  const now = Date.now();
  const events: RuntimeUsageEvent[] = runtimeIds.flatMap((runtime_id, r) =>
    Array.from({ length: 5 }, (_, k) => ({
      runtime_id,
      id: `w-${n}-${r}-${k}`,
      ts: new Date(now - k * 1000).toISOString(),
      provider: r % 2 === 0 ? 'claude' : 'codex',
      model: SCALE_MODELS[(r + k) % SCALE_MODELS.length]!,
      input_tokens: 100 + k,
      output_tokens: 50,
      cache_read_tokens: 10_000,
      cache_write_tokens: 500,
      project: `p-${r % 7}`,
      session_id: `s-${r}-${n}-${k}`,
      user: `u-${r >> 1}`,
    })),
  );
  const pricer = createPricer();
  const t = performance.now();
  await db.transaction(async (tx) => {
    await lockRuntimes(
      tx,
      events.map((e) => e.runtime_id),
    );
    await writeUsageEvents(tx, events, pricer);
  });
  return performance.now() - t;
}
const dbs = await Promise.all([createBenchDatabase(), createBenchDatabase()]);
const conns = dbs.map((d) => openPostgres(d.url, 2));
try {
  const fleets = [];
  for (const db of conns) fleets.push(await registerFleet(db, (await prepareWorkspace(db)).workspaceId));
  await conns[1]!.exec('DROP INDEX usage_quarter_bucket_brin');
  const times: number[][] = [[], []];
  for (let n = 0; n < 20; n++)
    for (const [i, db] of conns.entries()) await commit(db, fleets[i]!.runtimeIds, -1 - n);
  for (let n = 0; n < commits; n++) {
    const i = Math.floor(n / 10) % 2;
    times[i]!.push(await commit(conns[i]!, fleets[i]!.runtimeIds, n));
  }
  const [a, b] = [median(times[0]!), median(times[1]!)];
  console.log(
    `${commits} commits of 1,000 events (1,000 new quarter rows each): median ${a.toFixed(1)} ms with the BRIN on usage_quarter(bucket), ${b.toFixed(1)} ms without (${(a / b).toFixed(3)}×)`,
  );
} finally {
  for (const c of conns) await c.close();
  for (const d of dbs) await d.drop();
}
