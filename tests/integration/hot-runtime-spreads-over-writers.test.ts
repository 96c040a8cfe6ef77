/**
 * One hot runtime must not serialise the hub: its usage calls are committed by several writers at once (each
 * runtime used to be pinned to one writer, and its commits held a lock on the whole runtime). The totals stay
 * exact, and task reports of a runtime still go through one writer in the order they were made.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { syntheticEvent } from '../../server/daemon/simulate';
import { ShardedWriter } from '../../server/ingest/sharded-writer';
import { createPricer } from '../../server/pricing';
import type { Database } from '../../server/store';
import { TOKEN_KINDS, type UsageEvent } from '../../shared';
import { type MigratedPostgres, migratedPostgres, workspaceWithRuntime } from '../helpers/databases';
import { unheardChanges } from '../helpers/ingest-changes';

/** The real database, with the most transactions it ever had open at once recorded (a lone statement is one). */
function countingOverlap(db: Database) {
  let open = 0;
  const seen = { max: 0 };
  const overlapping = async <T>(run: () => Promise<T>): Promise<T> => {
    open++;
    seen.max = Math.max(seen.max, open);
    try {
      return await run();
    } finally {
      open--;
    }
  };
  const counted: Database = {
    ...db,
    transaction: (fn) => overlapping(() => db.transaction(fn)),
    alone: (text, params, name) => overlapping(() => db.alone(text, params, name)),
  };
  return { counted, seen };
}

describe('a hot runtime over several writers', () => {
  let fresh: MigratedPostgres;
  let db: Database;
  let workspaceId: string;
  let runtimeId: string;

  beforeAll(async () => {
    fresh = await migratedPostgres();
    db = fresh.db;
    runtimeId = await workspaceWithRuntime(db, 'hot');
    const [row] = await db.query<{ workspace_id: string }>(
      'SELECT workspace_id FROM runtimes WHERE id = $1',
      [runtimeId],
    );
    workspaceId = row!.workspace_id;
  });
  afterAll(async () => {
    await fresh.close();
  });

  it("commits one runtime's usage calls in several transactions at once, and the totals stay exact", async () => {
    const { counted, seen } = countingOverlap(db);
    const writer = new ShardedWriter(counted, 2, {
      maxQueuedItems: 100_000,
      maxBatchItems: 50,
      lingerMs: 0,
      changes: unheardChanges,
      pricer: createPricer(),
    });
    const calls: UsageEvent[][] = Array.from({ length: 60 }, () =>
      Array.from({ length: 10 }, () => syntheticEvent('claude', Math.random, new Date())),
    );
    const accepted = await Promise.all(
      calls.map((items) =>
        writer.submit({ kind: 'usage', workspaceId, runtimeId, items, answered: Promise.resolve() }),
      ),
    );
    await writer.drain();
    expect(accepted.reduce((a, b) => a + b, 0)).toBe(600);
    expect(seen.max).toBe(2);

    const sent = TOKEN_KINDS.map((k) => calls.flat().reduce((s, e) => s + e[k], 0));
    const [stored] = await db.query<Record<string, number>>(
      `SELECT ${TOKEN_KINDS.map((k) => `sum(${k})::float8 AS ${k}`).join(', ')} FROM usage_quarter WHERE runtime_id = $1`,
      [runtimeId],
    );
    expect(TOKEN_KINDS.map((k) => stored?.[k])).toEqual(sent);
  });

  it('commits the task reports of one runtime in the order they were made', async () => {
    const writer = new ShardedWriter(db, 2, {
      maxQueuedItems: 100_000,
      maxBatchItems: 1,
      lingerMs: 0,
      changes: unheardChanges,
      pricer: createPricer(),
    });
    const at = new Date().toISOString();
    const statuses = ['queued', 'running', 'completed'] as const;
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        writer.submit({
          kind: 'task',
          workspaceId,
          runtimeId,
          items: [{ id: 'ordered', status: statuses[i % 3]!, created_at: at }],
          answered: Promise.resolve(),
        }),
      ),
    );
    await writer.drain();
    const [task] = await db.query<{ status: string }>(
      "SELECT status FROM tasks WHERE runtime_id = $1 AND id = 'ordered'",
      [runtimeId],
    );
    expect(task?.status).toBe('completed');
  });
});
