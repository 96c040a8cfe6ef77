/**
 * writeTasks says, per stored task, what its write did to the hourly activity count (created the task, or the
 * time it was counted at before) and the transaction that wrote it: the task push carries both, so a dashboard
 * counts each write once against a REST answer's snapshot (issue 15).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, type StoredTask, writeTasks } from '../../server/store';
import { databaseKinds, workspaceWithRuntime } from '../helpers/databases';
import { eventually } from '../helpers/sockets';

describe.each(databaseKinds)('task writes say what they changed on %s', (kind, open) => {
  let db: Database;
  let close: () => Promise<void>;
  let runtimeId: string;

  beforeAll(async () => {
    ({ db, close } = await open());
    runtimeId = await workspaceWithRuntime(db, 'tasks');
  });
  afterAll(() => close());

  const write = (tasks: Record<string, unknown>[]) =>
    db.transaction((tx) =>
      writeTasks(
        tx,
        tasks.map((t) => ({ runtime_id: runtimeId, status: 'queued', ...t }) as never),
      ),
    );

  it('a new task has no previous time; an update has the one it was counted at; both name their transaction', async () => {
    const [created] = await write([{ id: 'a', created_at: '2026-11-24T10:00:00Z' }]);
    expect(created).toMatchObject({ id: 'a', status: 'queued', previous_at: null });
    expect(created!.commit_xid).toMatch(/^\d+$/);

    const [started] = await write([
      { id: 'a', status: 'running', created_at: '2026-11-24T10:00:00Z', started_at: '2026-11-24T11:30:00Z' },
    ]);
    expect(started).toMatchObject({
      previous_at: '2026-11-24T10:00:00.000Z',
      started_at: '2026-11-24T11:30:00.000Z',
    });
    expect(BigInt(started!.commit_xid)).toBeGreaterThan(BigInt(created!.commit_xid));

    const [done] = await write([
      {
        id: 'a',
        status: 'completed',
        created_at: '2026-11-24T10:00:00Z',
        completed_at: '2026-11-24T12:00:00Z',
      },
    ]);
    // started_at is kept from the earlier report, so the task is still counted at 11:30.
    expect(done).toMatchObject({ status: 'completed', previous_at: '2026-11-24T11:30:00.000Z' });
    expect(done!.started_at).toBe('2026-11-24T11:30:00.000Z');
  });

  it('one statement of new and known tasks tells each apart, under one transaction id', async () => {
    await write([{ id: 'b', created_at: '2026-11-24T08:00:00Z' }]);
    const stored = await write([
      { id: 'c', created_at: '2026-11-24T09:00:00Z' },
      { id: 'b', status: 'running', created_at: '2026-11-24T08:00:00Z', started_at: '2026-11-24T08:05:00Z' },
    ]);
    const byId = Object.fromEntries(stored.map((t) => [t.id, t]));
    expect(byId.c!.previous_at).toBeNull();
    expect(byId.b!.previous_at).toBe('2026-11-24T08:00:00.000Z');
    expect(byId.b!.commit_xid).toBe(byId.c!.commit_xid);
  });

  /**
   * Runs `first` in a transaction held open until `second` (another transaction) waits for its row lock, then
   * commits it; answers what `second` stored.
   */
  async function whileAnotherHoldsTheRow(
    first: Record<string, unknown>,
    second: Record<string, unknown>,
  ): Promise<StoredTask | undefined> {
    let release!: () => void;
    const held = new Promise<void>((r) => {
      release = r;
    });
    let written!: () => void;
    const isWritten = new Promise<void>((r) => {
      written = r;
    });
    const other = db.transaction(async (tx) => {
      await writeTasks(tx, [{ runtime_id: runtimeId, status: 'queued', ...first } as never]);
      written();
      await held;
    });
    await isWritten;
    const mine = write([second]);
    await eventually(async () => {
      const [w] = await db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      return w!.n > 0;
    });
    release();
    await other;
    return (await mine)[0];
  }

  it.runIf(kind === 'postgres')(
    'an update committed by another transaction while this one waited is the previous time read',
    async () => {
      await write([{ id: 'd', created_at: '2026-11-24T06:00:00Z' }]);
      const d = await whileAnotherHoldsTheRow(
        {
          id: 'd',
          status: 'running',
          created_at: '2026-11-24T06:00:00Z',
          started_at: '2026-11-24T07:00:00Z',
        },
        { id: 'd', status: 'completed', created_at: '2026-11-24T06:00:00Z' },
      );
      expect(d!.previous_at).toBe('2026-11-24T07:00:00.000Z');
    },
  );

  it.runIf(kind === 'postgres')(
    'a task another transaction created while this one waited is not told created (its previous time is unknown)',
    async () => {
      const e = await whileAnotherHoldsTheRow(
        { id: 'e', created_at: '2026-11-24T05:00:00Z' },
        {
          id: 'e',
          status: 'running',
          created_at: '2026-11-24T05:00:00Z',
          started_at: '2026-11-24T05:10:00Z',
        },
      );
      expect(e!.started_at).toBe('2026-11-24T05:10:00.000Z');
      expect(e!.previous_at).toBeUndefined();
    },
  );
});
