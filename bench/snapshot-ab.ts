/**
 * `npx tsx bench/snapshot-ab.ts [rounds]`: what issue 15's exact refetches cost, old path against new, interleaved
 * round by round on one database so the machine's load drifts over both alike. Prints the median and p90 (ms) of:
 * - hit: the history cache's look-up (old: the usage version; new: the version and pg_current_snapshot() in one
 *   statement);
 * - miss: a runtime's 30-day view on a cache miss (old: the version, then the view in its own transaction; new: the
 *   version and snapshot, then a REPEATABLE READ, READ ONLY transaction reading version, snapshot and view);
 * - write: a one-statement commit of 10 new events (old: the write function; new: it with pg_current_xact_id()).
 */
import { historyWindow } from '../server/http/history-window';
import { createPricer } from '../server/pricing';
import {
  encodeUsageBatch,
  openPostgres,
  readAtSnapshot,
  usageByDay,
  usageVersion,
  usageVersionAt,
} from '../server/store';
import { WRITE_USAGE_CALL } from '../server/store/usage-routine';
import { createBenchDatabase, prepareWorkspace, seedRuntimeHistory, settleUsageTables } from './database';
import { runInterleaved } from './interleaved-ab';

const rounds = Number(process.argv[2] ?? 20);
const WITH_XID = `SELECT w.*, pg_current_xact_id()::text AS commit_xid FROM (${WRITE_USAGE_CALL}) AS w`;

const bench = await createBenchDatabase();
const db = openPostgres(bench.url);
try {
  const { workspaceId } = await prepareWorkspace(db);
  const runtimeId = await seedRuntimeHistory(db, workspaceId, 90);
  await settleUsageTables(db);
  const window = historyWindow(30, 'UTC');
  const pricer = createPricer();
  let n = 0;
  const batch = () =>
    encodeUsageBatch(
      [
        {
          runtimeId,
          events: Array.from({ length: 10 }, (_, k) => ({
            id: `ab-${n++}`,
            ts: new Date(Date.now() - k * 1000).toISOString(),
            provider: 'claude',
            model: 'claude-sonnet-4-5',
            input_tokens: 100,
            output_tokens: 50,
            cache_read_tokens: 1000,
            cache_write_tokens: 10,
          })),
        },
      ],
      pricer,
    );
  const cases = {
    hit: {
      old: () => usageVersion(db, workspaceId, runtimeId),
      new: () => usageVersionAt(db, workspaceId, runtimeId),
      per: 50,
    },
    miss: {
      old: async () => {
        await usageVersion(db, workspaceId, runtimeId);
        return usageByDay(db, workspaceId, runtimeId, window);
      },
      new: async () => {
        await usageVersionAt(db, workspaceId, runtimeId);
        return readAtSnapshot(db, workspaceId, runtimeId, (tx) =>
          usageByDay(tx, workspaceId, runtimeId, window),
        );
      },
      per: 5,
    },
    write: {
      old: () => db.alone(WRITE_USAGE_CALL, [batch()], 'ab_old'),
      new: () => db.alone(WITH_XID, [batch()], 'ab_new'),
      per: 10,
    },
  };
  await runInterleaved(cases, rounds);
} finally {
  await db.close();
  await bench.drop();
}
