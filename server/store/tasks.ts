/**
 * Task writes (key runtime_id + id; a later report replaces status, keeps timestamps it does not repeat).
 */
import type { Task } from '../../shared';
import type { Sql } from './database';

export interface RuntimeTask extends Task {
  runtime_id: string;
}

interface TaskRow {
  runtime_id: string;
  id: string;
  status: Task['status'];
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
}

function toTask(row: TaskRow): RuntimeTask {
  return {
    runtime_id: row.runtime_id,
    id: row.id,
    status: row.status,
    created_at: row.created_at.toISOString(),
    ...(row.started_at ? { started_at: row.started_at.toISOString() } : {}),
    ...(row.completed_at ? { completed_at: row.completed_at.toISOString() } : {}),
  };
}

/** Upserts tasks in one statement; returns the stored rows. The last report of a key in the batch wins. */
export async function writeTasks(tx: Sql, tasks: RuntimeTask[]): Promise<RuntimeTask[]> {
  if (tasks.length === 0) return [];
  const rows = [...new Map(tasks.map((t) => [`${t.runtime_id}\u0000${t.id}`, t])).values()];
  const col = (f: (t: RuntimeTask) => unknown) => rows.map(f);
  const stored = await tx.query<TaskRow>(
    `INSERT INTO tasks AS t (runtime_id, id, status, created_at, started_at, completed_at)
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::timestamptz[])
     ON CONFLICT (runtime_id, id) DO UPDATE SET
       status = excluded.status, created_at = excluded.created_at,
       started_at = coalesce(excluded.started_at, t.started_at),
       completed_at = coalesce(excluded.completed_at, t.completed_at), updated_at = now()
     RETURNING runtime_id, id, status, created_at, started_at, completed_at`,
    [
      col((t) => t.runtime_id),
      col((t) => t.id),
      col((t) => t.status),
      col((t) => t.created_at),
      col((t) => t.started_at ?? null),
      col((t) => t.completed_at ?? null),
    ],
  );
  return stored.map(toTask);
}
