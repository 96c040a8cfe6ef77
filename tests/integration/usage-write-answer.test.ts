/**
 * What the usage write answers (usage-writes.ts), exactly, whatever form the answer takes on the wire: each delta
 * with the quarter and its UTC hour as instants (before 1970 too), attribution as '' or its text, token sums and
 * costs as numbers, and the id of the transaction that wrote it. A write that changed nothing must not take a
 * transaction id to say so (an id costs the commit a WAL record and a flush). Written for a JSON answer that was
 * measured and dropped (BENCHMARKS.md, session 7, hI2); it caught two faults of that version.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPricer } from '../../server/pricing';
import { type Database, lockRuntimes, writeUsageEvents } from '../../server/store';
import type { UsageEvent } from '../../shared';
import { databaseKinds, workspaceWithRuntime } from '../helpers/databases';

const event = (id: string, ts: string, n: number, extra: Partial<UsageEvent> = {}): UsageEvent => ({
  id,
  ts,
  provider: 'claude',
  model: 'claude-sonnet-4-5',
  input_tokens: n,
  output_tokens: 2 * n,
  cache_read_tokens: 3 * n,
  cache_write_tokens: 4 * n,
  ...extra,
});

describe.each(databaseKinds)('the usage write answer on %s', (_kind, open) => {
  let db: Database;
  let close: () => Promise<void>;
  let runtimeId: string;
  const pricer = createPricer();

  /** Writes events in a transaction; returns the deltas and the transaction's id as Postgres reports it. */
  const write = (events: UsageEvent[]) =>
    db.transaction(async (tx) => {
      await lockRuntimes(tx, [runtimeId]);
      const deltas = await writeUsageEvents(
        tx,
        events.map((e) => ({ ...e, runtime_id: runtimeId })),
        pricer,
      );
      const [row] = await tx.query<{ xid: string | null }>(
        'SELECT pg_current_xact_id_if_assigned()::text AS xid',
      );
      return { deltas, xid: row!.xid };
    });

  beforeAll(async () => {
    ({ db, close } = await open());
    runtimeId = await workspaceWithRuntime(db, 'answer');
  });
  afterAll(() => close());

  it('answers each delta with its instants, labels, sums, costs and the id of its transaction', async () => {
    const { deltas, xid } = await write([
      event('a', '2026-11-30T12:20:05Z', 1),
      event('b', '2026-11-30T12:29:59Z', 10),
      event('c', '1969-12-31T23:50:00Z', 100, { project: 'p "q", \\ r)', user: 'u', session_id: 's' }),
    ]);
    expect(xid).toMatch(/^\d+$/);
    const sorted = [...deltas].sort((x, y) => x.at.getTime() - y.at.getTime());
    expect(sorted).toEqual([
      {
        runtime_id: runtimeId,
        hour: new Date('1969-12-31T23:00:00Z'),
        at: new Date('1969-12-31T23:45:00Z'),
        provider: 'claude',
        model: 'claude-sonnet-4-5',
        project: 'p "q", \\ r)',
        user_name: 'u',
        session_id: 's',
        input_tokens: 100,
        output_tokens: 200,
        cache_read_tokens: 300,
        cache_write_tokens: 400,
        cost_usd: expect.any(Number),
        unpriced_tokens: 0,
        commit_xid: xid,
      },
      {
        runtime_id: runtimeId,
        hour: new Date('2026-11-30T12:00:00Z'),
        at: new Date('2026-11-30T12:15:00Z'),
        provider: 'claude',
        model: 'claude-sonnet-4-5',
        project: '',
        user_name: '',
        session_id: '',
        input_tokens: 11,
        output_tokens: 22,
        cache_read_tokens: 33,
        cache_write_tokens: 44,
        cost_usd: expect.any(Number),
        unpriced_tokens: 0,
        commit_xid: xid,
      },
    ]);
    // The cost is the one stored in the rollup, to the last digit a float8 carries.
    const [stored] = await db.query<{ cost: number }>(
      `SELECT cost_usd::float8 AS cost FROM usage_quarter WHERE runtime_id = $1 AND bucket = '2026-11-30T12:15:00Z'`,
      [runtimeId],
    );
    expect(sorted[1]!.cost_usd).toBe(stored!.cost);
    expect(stored!.cost).toBeGreaterThan(0);
  });

  it('takes no transaction id for a write that changes nothing', async () => {
    const same = [event('d', '2026-11-30T13:00:00Z', 5), event('e', '2026-11-30T13:01:00Z', 6)];
    const first = await write(same);
    expect(first.deltas).toHaveLength(1);
    const again = await write(same);
    expect(again).toEqual({ deltas: [], xid: null });
  });
});
