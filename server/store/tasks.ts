/**
 * Task writes (key runtime_id + id; a later report replaces status, keeps timestamps it does not repeat). Each
 * stored task says what its write did to the hourly activity count (which counts a task once, at the hour of
 * coalesce(started_at, created_at)): whether it created the task or the time it was counted at before, and the
 * transaction that wrote it, so a dashboard adds each write once to a REST answer read at a snapshot. Each write
 * also bumps its runtimes' task version, which keys the cached activity answers.
 */
import type { Task } from '../../shared';
import type { Sql } from './database';

export interface RuntimeTask extends Task {
  runtime_id: string;
}

/** A task as a write stored it, with what that write changed. */
export interface StoredTask extends RuntimeTask {
  /** The transaction that wrote it (pg_current_xact_id(), xid8 as decimal text). */
  commit_xid: string;
  /**
   * Its coalesce(started_at, created_at) before this write (ISO); null when this write created the task;
   * undefined when it cannot be told: another transaction created the task after this statement's snapshot
   * (writers of one runtime are serialised per node, so only two nodes writing one task at once).
   */
  previous_at: string | null | undefined;
}

interface TaskRow {
  runtime_id: string;
  id: string;
  status: Task['status'];
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
  previous_at: Date | null;
  inserted: boolean;
  commit_xid: string;
}

function toTask(row: TaskRow): StoredTask {
  return {
    runtime_id: row.runtime_id,
    id: row.id,
    status: row.status,
    created_at: row.created_at.toISOString(),
    ...(row.started_at ? { started_at: row.started_at.toISOString() } : {}),
    ...(row.completed_at ? { completed_at: row.completed_at.toISOString() } : {}),
    commit_xid: row.commit_xid,
    previous_at: row.previous_at ? row.previous_at.toISOString() : row.inserted ? null : undefined,
  };
}

/**
 * One statement: `prev` locks the existing rows (FOR UPDATE reads their latest committed version, even one
 * committed after the statement's snapshot) and the insert reads its rows through a join with it, so each row's
 * previous time is read before the upsert replaces it. `xmax = 0` on the returned row: this statement inserted it
 * (an updated row carries the updater's lock); a row neither found by `prev` nor inserted was created concurrently.
 * `bump` marks the runtimes' tasks as changed in the same statement (a data-modifying CTE runs even unreferenced),
 * so a version read in a snapshot that holds this write is never one read before it. Its rows are a table of their
 * own, locked in runtime order: as a column of `runtimes` (whose rows a commit's usage write had locked just before,
 * for other runtimes) two commits crossing runtimes deadlocked (tests/regression/task-version-bump-deadlock.test.ts).
 */
const UPSERT_TASKS = `
  WITH input AS (
    SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::timestamptz[])
      AS i(runtime_id, id, status, created_at, started_at, completed_at)
  ), prev AS (
    SELECT t.runtime_id, t.id, coalesce(t.started_at, t.created_at) AS at
    FROM tasks t JOIN input i ON t.runtime_id = i.runtime_id AND t.id = i.id
    FOR UPDATE OF t
  ), up AS (
    INSERT INTO tasks AS t (runtime_id, id, status, created_at, started_at, completed_at)
    SELECT i.runtime_id, i.id, i.status, i.created_at, i.started_at, i.completed_at
    FROM input i LEFT JOIN prev p ON p.runtime_id = i.runtime_id AND p.id = i.id
    ON CONFLICT (runtime_id, id) DO UPDATE SET
      status = excluded.status, created_at = excluded.created_at,
      started_at = coalesce(excluded.started_at, t.started_at),
      completed_at = coalesce(excluded.completed_at, t.completed_at), updated_at = now()
    RETURNING t.runtime_id, t.id, t.status, t.created_at, t.started_at, t.completed_at, (t.xmax = 0) AS inserted
  ), bump AS (
    INSERT INTO runtime_task_versions AS v (runtime_id, version)
    SELECT DISTINCT i.runtime_id, 1 FROM input i ORDER BY 1
    ON CONFLICT (runtime_id) DO UPDATE SET version = v.version + 1
  )
  SELECT up.*, p.at AS previous_at, pg_current_xact_id()::text AS commit_xid
  FROM up LEFT JOIN prev p ON p.runtime_id = up.runtime_id AND p.id = up.id`;

/** Upserts tasks in one statement; returns the stored rows. The last report of a key in the batch wins. */
export async function writeTasks(tx: Sql, tasks: RuntimeTask[]): Promise<StoredTask[]> {
  if (tasks.length === 0) return [];
  const rows = [...new Map(tasks.map((t) => [`${t.runtime_id}\u0000${t.id}`, t])).values()];
  const col = (f: (t: RuntimeTask) => unknown) => rows.map(f);
  const stored = await tx.query<TaskRow>(UPSERT_TASKS, [
    col((t) => t.runtime_id),
    col((t) => t.id),
    col((t) => t.status),
    col((t) => t.created_at),
    col((t) => t.started_at ?? null),
    col((t) => t.completed_at ?? null),
  ]);
  return stored.map(toTask);
}

/** A runtime's task version and the snapshot of the same statement (the twin of usageVersionAt). */
export interface TaskVersionAt {
  version: string;
  /** pg_current_snapshot() as text. */
  snapshot: string;
}

/**
 * The runtime's task version (bumped by every task write of it) and the statement's snapshot; undefined when the
 * runtime is not the workspace's. In a REPEATABLE READ transaction it is the version of the rows read beside it.
 */
export async function taskVersionAt(
  sql: Sql,
  workspaceId: string,
  runtimeId: string,
): Promise<TaskVersionAt | undefined> {
  const rows = await sql.query<{ v: string; snapshot: string }>(
    `SELECT coalesce(v.version, 0)::text AS v, pg_current_snapshot()::text AS snapshot
     FROM runtimes r LEFT JOIN runtime_task_versions v ON v.runtime_id = r.id
     WHERE r.id = $1 AND r.workspace_id = $2`,
    [runtimeId, workspaceId],
  );
  const row = rows[0];
  return row && { version: row.v, snapshot: row.snapshot };
}
