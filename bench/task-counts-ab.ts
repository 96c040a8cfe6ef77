/**
 * `npx tsx bench/task-counts-ab.ts [rounds]`: what issue 15's exact task counts cost, old path against new,
 * interleaved round by round on one database so the machine's load drifts over both alike. Prints the median and
 * p90 (ms) of:
 * - write1 / write100: a transaction upserting 1 or 100 tasks, half new and half updates of known ones (old: the
 *   plain upsert; new: writeTasks, which also locks and reads each known task's previous time and the xid);
 * - activity: a runtime's 90-day hourly activity as the route reads it (old: the runtime's ownership, then the rows;
 *   new: a REPEATABLE READ, READ ONLY transaction reading version, snapshot and rows).
 */
import { historyWindow } from '../server/http/history-window';
import { activityByHour, getRuntime, openPostgres, readAtSnapshot, writeTasks } from '../server/store';
import { createBenchDatabase, prepareWorkspace, seedRuntimeHistory } from './database';
import { runInterleaved } from './interleaved-ab';

const rounds = Number(process.argv[2] ?? 20);

/** The upsert before issue 15's second half: stored rows only. */
const OLD_UPSERT = `INSERT INTO tasks AS t (runtime_id, id, status, created_at, started_at, completed_at)
  SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::timestamptz[])
  ON CONFLICT (runtime_id, id) DO UPDATE SET
    status = excluded.status, created_at = excluded.created_at,
    started_at = coalesce(excluded.started_at, t.started_at),
    completed_at = coalesce(excluded.completed_at, t.completed_at), updated_at = now()
  RETURNING runtime_id, id, status, created_at, started_at, completed_at`;

const bench = await createBenchDatabase();
const db = openPostgres(bench.url);
try {
  const { workspaceId } = await prepareWorkspace(db);
  const runtimeId = await seedRuntimeHistory(db, workspaceId, 90);
  const window = historyWindow(90, 'UTC');
  let n = 0;
  /** `size` tasks: half new ids, half ids written before (updates to running). */
  const tasks = (size: number) =>
    Array.from({ length: size }, (_, k) => {
      const id = k % 2 === 0 || n < size ? `t-${n++}` : `t-${Math.floor(Math.random() * (n - 1))}`;
      const created_at = new Date(Date.now() - (k + 1) * 60_000).toISOString();
      return { runtime_id: runtimeId, id, status: 'running' as const, created_at, started_at: created_at };
    });
  const oldWrite = (size: number) => () =>
    db.transaction(async (tx) => {
      const rows = [...new Map(tasks(size).map((t) => [t.id, t])).values()];
      const col = (f: (t: (typeof rows)[number]) => unknown) => rows.map(f);
      return tx.query(OLD_UPSERT, [
        col((t) => t.runtime_id),
        col((t) => t.id),
        col((t) => t.status),
        col((t) => t.created_at),
        col((t) => t.started_at),
        col(() => null),
      ]);
    });
  const newWrite = (size: number) => () => db.transaction((tx) => writeTasks(tx, tasks(size)));
  // Enough tasks in the window that the activity read does real work.
  for (let i = 0; i < 50; i++) await newWrite(200)();
  const cases = {
    write1: { old: oldWrite(1), new: newWrite(1), per: 20 },
    write100: { old: oldWrite(100), new: newWrite(100), per: 5 },
    activity: {
      old: async () => {
        await getRuntime(db, workspaceId, runtimeId);
        return activityByHour(db, runtimeId, window);
      },
      new: () => readAtSnapshot(db, workspaceId, runtimeId, (tx) => activityByHour(tx, runtimeId, window)),
      per: 10,
    },
  };
  await runInterleaved(cases, rounds);
} finally {
  await db.close();
  await bench.drop();
}
