/**
 * Regression: the usage write's 8-key sample (does the batch re-send stored keys? usage-routine.ts) was a join that
 * a plan made while usage_events was nearly empty ran as a hash join over a sequential scan of the whole table. The
 * function's plans are cached per connection and nothing re-plans them where autovacuum never analyzes the table
 * (embedded PGlite; a Postgres with autovacuum off), so every later commit of that connection read every stored
 * event: 26,956 rows read for a 110-event commit on a 23,000-event table (BENCHMARKS.md, Session 6 hI). The sample
 * now probes the primary key per key, and so does the look-up of the stored rows a batch beats. The connection that
 * wrote the first events must read no stored row by a sequential scan once the table has grown (one connection: its
 * plans are the ones made on the small table).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPricer } from '../../server/pricing';
import { createWorkspace, type Database, lockRuntimes, writeUsageEvents } from '../../server/store';
import type { UsageEvent } from '../../shared';
import { claudeRuntimeIn, databaseKindsWith } from '../helpers/databases';

// One connection: the plans the suite grows the table under are the ones that connection cached.
const openers = databaseKindsWith(1);

let next = 0;
const newEvents = (count: number): UsageEvent[] =>
  Array.from({ length: count }, () => ({
    id: `e${next++}`,
    ts: '2026-05-01T10:15:00Z',
    provider: 'claude',
    model: 'claude-sonnet-4-5',
    input_tokens: 1,
    output_tokens: 1,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
  }));

describe.each(openers)('the usage write on a table grown after its plans were made, %s', (_kind, open) => {
  let db: Database;
  let close: () => Promise<void>;
  let runtimeId: string;
  const pricer = createPricer();
  /** Rows sequential scans of usage_events read so far (counters not yet reported are this backend's own). */
  const seqRead = async (tx: Pick<Database, 'query'>) =>
    (
      await tx.query<{ n: number }>(
        `SELECT coalesce(seq_tup_read, 0)::int AS n FROM pg_stat_xact_user_tables WHERE relname = 'usage_events'`,
      )
    )[0]?.n ?? 0;
  /** Writes the events in one transaction and answers how many rows sequential scans read for the write. */
  const write = (events: UsageEvent[]) =>
    db.transaction(async (tx) => {
      await lockRuntimes(tx, [runtimeId]);
      // The counter is not per transaction (earlier ones may not be reported yet), but nothing reports it
      // within one: the difference is this write's.
      const before = await seqRead(tx);
      await writeUsageEvents(
        tx,
        events.map((e) => ({ ...e, runtime_id: runtimeId })),
        pricer,
      );
      return (await seqRead(tx)) - before;
    });

  beforeAll(async () => {
    ({ db, close } = await open());
    runtimeId = await claudeRuntimeIn(db, (await createWorkspace(db, 'w')).id);
  }, 60_000);
  afterAll(() => close());

  it('reads no stored event by a sequential scan when it writes new ones', async () => {
    // Past the fifth call the cached plans are generic: made here, on a table of a few dozen rows.
    for (let i = 0; i < 8; i++) await write(newEvents(10));
    for (let i = 0; i < 20; i++) await write(newEvents(1000));
    const [stored] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM usage_events');
    expect(stored?.n).toBe(20_080);
    // At most the one row a hash join reads before it finds its other side empty: nothing near the 20,080 stored.
    expect(await write(newEvents(10))).toBeLessThanOrEqual(1);
  }, 120_000);

  it('reads no stored event by a sequential scan when it replaces re-sent ones', async () => {
    // The look-up of the stored rows a batch beats had the same weakness for re-sent keys (the table has grown
    // since the plans were made, in the test above).
    const again = newEvents(10);
    await write(again);
    const grown = again.map((e) => ({ ...e, output_tokens: 5 }));
    expect(await write(grown)).toBeLessThanOrEqual(1);
    const rows = await db.query<{ n: number }>(
      `SELECT sum(output_tokens)::int AS n FROM usage_events WHERE id = ANY($1::text[])`,
      [again.map((e) => e.id)],
    );
    expect(rows[0]?.n).toBe(50);
  }, 60_000);
});
