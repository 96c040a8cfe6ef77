/**
 * History views read together with what they contain: the scope's usage version and the Postgres snapshot
 * (`pg_current_snapshot()`, text `xmin:xmax:xip,…`) of the same read. A dashboard merges a live push only when its
 * commit is not visible in that snapshot, so a commit is counted once whether its push arrives before or after the
 * answer. The version keys the history cache: it must come from the snapshot the rows were read at.
 */
import type { Database, Sql } from './database';
import { VIEW_WORK_MEM } from './usage-source';

export interface VersionAt {
  version: string;
  /** pg_current_snapshot() as text, read in the same statement as the version. */
  snapshot: string;
}

/** SQL of the scope's usage version as `v` (as usageVersion spells it) beside the statement's snapshot. */
function versionSql(runtimeId: string | null): string {
  return runtimeId
    ? `SELECT usage_version::text AS v, pg_current_snapshot()::text AS snapshot
       FROM runtimes WHERE id = $1 AND workspace_id = $2`
    : `SELECT coalesce(sum(usage_version), 0)::bigint || '/' || count(*) AS v, pg_current_snapshot()::text AS snapshot
       FROM runtimes WHERE workspace_id = $1`;
}

/** The version and snapshot of one statement (one statement is one snapshot); undefined for an unknown runtime. */
export async function usageVersionAt(
  sql: Sql,
  workspaceId: string,
  runtimeId: string | null,
): Promise<VersionAt | undefined> {
  const params = runtimeId ? [runtimeId, workspaceId] : [workspaceId];
  const rows = await sql.query<{ v: string; snapshot: string }>(versionSql(runtimeId), params);
  const row = rows[0];
  return row && { version: row.v, snapshot: row.snapshot };
}

/**
 * Runs `read` (a history view, given the transaction) in a REPEATABLE READ, READ ONLY transaction whose first
 * statement reads the version and the snapshot: the rows, the version and the snapshot are of one moment.
 * Undefined for an unknown runtime.
 */
export async function readAtSnapshot<T>(
  db: Database,
  workspaceId: string,
  runtimeId: string | null,
  read: (tx: Sql) => Promise<T>,
): Promise<(VersionAt & { value: T }) | undefined> {
  return db.transaction(async (tx) => {
    // Both before the first query: the transaction's snapshot is taken by the statement after them.
    await tx.exec(
      `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET LOCAL work_mem = '${VIEW_WORK_MEM}'`,
    );
    const at = await usageVersionAt(tx, workspaceId, runtimeId);
    return at && { ...at, value: await read(tx) };
  });
}
