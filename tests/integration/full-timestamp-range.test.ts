import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPricer } from '../../server/pricing';
import { collapseByKey, type Database, lockRuntimes, writeTasks, writeUsageEvents } from '../../server/store';
import { TaskPayload, toUtcTimestamp, UsagePayload } from '../../shared';
import { databaseKinds, workspaceWithRuntime } from '../helpers/databases';

/** The latest instant the contract allows: an offset Postgres itself refuses (it stops at ±15:59). */
const LATEST = '9999-12-31T23:59:59.123456-23:59';

describe('timestamps at the edges of RFC 3339', () => {
  it('normalises any offset to UTC with every fraction digit kept', () => {
    expect(toUtcTimestamp('9999-12-31T23:59:59-23:59')).toBe('10000-01-01T23:58:59Z');
    expect(toUtcTimestamp('2026-03-01T00:30:00.123456789+23:59')).toBe('2026-02-28T00:31:00.123456789Z');
    expect(toUtcTimestamp('2026-11-24T10:00:00Z')).toBe('2026-11-24T10:00:00Z');
  });
});

describe.each(databaseKinds)('full timestamp range on %s', (_kind, open) => {
  let db: Database;
  let close: () => Promise<void>;
  let runtimeId: string;

  beforeAll(async () => {
    ({ db, close } = await open());
    runtimeId = await workspaceWithRuntime(db, 'edges');
  });
  afterAll(() => close());

  it('accepts and stores exactly an event and a task at 9999-12-31T23:59:59-23:59', async () => {
    const usage = UsagePayload.parse({
      runtime_id: runtimeId,
      events: [
        {
          id: 'latest',
          ts: LATEST,
          provider: 'claude',
          model: 'claude-sonnet-4-5',
          input_tokens: 1,
          output_tokens: 2,
          cache_read_tokens: 3,
          cache_write_tokens: 4,
        },
      ],
    });
    const tasks = TaskPayload.parse({
      runtime_id: runtimeId,
      tasks: [{ id: 'latest', status: 'completed', created_at: LATEST, completed_at: LATEST }],
    });
    await db.transaction(async (tx) => {
      await lockRuntimes(tx, [runtimeId]);
      await writeUsageEvents(
        tx,
        collapseByKey(usage.events.map((e) => ({ ...e, runtime_id: runtimeId }))),
        createPricer(),
      );
      await writeTasks(
        tx,
        tasks.tasks.map((t) => ({ ...t, runtime_id: runtimeId })),
      );
    });

    const exact = `ts = '10000-01-01T23:58:59.123456Z'::timestamptz`;
    const [stored] = await db.query<{ event: boolean; task: boolean; hour: boolean }>(
      `SELECT (SELECT ${exact} FROM usage_events WHERE id = 'latest') AS event,
              (SELECT ${exact.replace('ts', 'created_at')} AND ${exact.replace('ts', 'completed_at')}
               FROM tasks WHERE id = 'latest') AS task,
              (SELECT bucket = '10000-01-01T23:45:00Z'::timestamptz FROM usage_quarter) AS hour`,
    );
    expect(stored).toEqual({ event: true, task: true, hour: true });
  });
});
