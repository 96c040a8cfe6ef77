/**
 * Whether writes can proceed: readiness must turn 503 while a table lock (LOCK TABLE, a long ALTER) blocks the
 * ingest tables, not only when Postgres stops answering `SELECT 1`.
 */
import type { Database } from './database';

const WRITTEN_TABLES = 'usage_events, usage_quarter, usage_daily_totals, tasks, runtimes';

/**
 * True when every table the hub writes can be locked for writing within `waitMs`. ROW EXCLUSIVE is the lock an
 * INSERT or UPDATE takes: it never waits for other writers, only for what would block them. Nothing is written.
 */
export async function writesUnblocked(db: Database, waitMs: number): Promise<boolean> {
  try {
    await db.transaction(async (tx) => {
      await tx.exec(`SET LOCAL lock_timeout = ${Math.max(1, Math.floor(waitMs))}`);
      await tx.exec(`LOCK TABLE ${WRITTEN_TABLES} IN ROW EXCLUSIVE MODE`);
    });
    return true;
  } catch {
    return false;
  }
}
