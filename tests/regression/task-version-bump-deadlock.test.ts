/**
 * Regression: the task version that keys the cached activity answers was first a column of `runtimes`, bumped by
 * the task upsert. A commit writes usage (whose function bumps `runtimes.usage_version`, locking those rows in
 * runtime order) and then tasks, which locked the rows of other runtimes after them. Two commits crossing — one with
 * usage of A and tasks of B, the other with usage of B and tasks of A (two writers, or two nodes) — each held the
 * row the other wanted: Postgres broke the deadlock by failing one of them. The task version now lives in a table
 * of its own, locked last and in runtime order, so the two commits never wait for each other here.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPricer } from '../../server/pricing';
import {
  createWorkspace,
  type Database,
  openPostgres,
  type Sql,
  writeTasks,
  writeUsageEvents,
} from '../../server/store';
import { claudeRuntimeIn, type MigratedPostgres, migratedPostgres } from '../helpers/databases';

describe('task version bump and usage commits crossing runtimes', () => {
  let fresh: MigratedPostgres;
  let db: Database;
  let a: string;
  let b: string;

  beforeAll(async () => {
    fresh = await migratedPostgres();
    db = fresh.db;
    // Two workspaces: runtimes of one would share the workspace rollup's rows, and the second usage write would
    // wait for the first commit's.
    a = await claudeRuntimeIn(db, (await createWorkspace(db, 'crossing-a')).id);
    b = await claudeRuntimeIn(db, (await createWorkspace(db, 'crossing-b')).id);
  });
  afterAll(async () => {
    await fresh.close();
  });

  const pricer = createPricer();
  const usageOf = (tx: Sql, runtimeId: string, id: string) =>
    writeUsageEvents(
      tx,
      [
        {
          runtime_id: runtimeId,
          id,
          ts: '2026-11-24T10:15:00Z',
          provider: 'claude',
          model: 'claude-sonnet-4-5',
          input_tokens: 10,
          output_tokens: 20,
          cache_read_tokens: 0,
          cache_write_tokens: 0,
        },
      ],
      pricer,
    );
  const taskOf = (tx: Sql, runtimeId: string, id: string) =>
    writeTasks(tx, [
      { runtime_id: runtimeId, id, status: 'queued', created_at: '2026-11-24T10:00:00Z' } as never,
    ]);

  it('two commits, usage of one runtime and tasks of the other, crossing: both commit', async () => {
    // Each commit on its own connection, as two writers or two nodes have.
    const first = openPostgres(fresh.url, 1);
    const second = openPostgres(fresh.url, 1);
    let usageOfBWritten!: () => void;
    const bWritten = new Promise<void>((r) => {
      usageOfBWritten = r;
    });
    let firstTasksSent!: () => void;
    const firstWaits = new Promise<void>((r) => {
      firstTasksSent = r;
    });
    try {
      const results = await Promise.allSettled([
        first.transaction(async (tx) => {
          await usageOf(tx, a, 'first');
          await bWritten;
          const tasks = taskOf(tx, b, 'first-task');
          // Give the statement time to reach its locks before the other commit asks for its own.
          setTimeout(firstTasksSent, 200);
          await tasks;
        }),
        second.transaction(async (tx) => {
          await usageOf(tx, b, 'second');
          usageOfBWritten();
          await firstWaits;
          await taskOf(tx, a, 'second-task');
        }),
      ]);
      expect(results.map((r) => (r.status === 'rejected' ? String(r.reason) : 'committed'))).toEqual([
        'committed',
        'committed',
      ]);
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
    const tasks = await db.query<{ id: string }>('SELECT id FROM tasks ORDER BY id');
    expect(tasks.map((t) => t.id)).toEqual(['first-task', 'second-task']);
    const events = await db.query<{ id: string }>('SELECT id FROM usage_events ORDER BY id');
    expect(events.map((e) => e.id)).toEqual(['first', 'second']);
  });
});
