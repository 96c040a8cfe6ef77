/**
 * Regression: an event re-sent with a larger snapshot (a turn streaming) was replaced by a new row version on
 * another page: usage_events' pages were filled to the brim, so no replacement fitted beside the version it
 * replaced, and each one was an update with a new entry in the primary key and the BRIN index — 0 % HOT updates in
 * the 500-event commit scenario, where the same events are re-sent commit after commit (BENCHMARKS.md, Session 8,
 * hI3). Migration 012 leaves a fifth of each new page free: replacing a few events of a full page stays on it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPricer } from '../../server/pricing';
import { createWorkspace, type Database, lockRuntimes, writeUsageEvents } from '../../server/store';
import type { UsageEvent } from '../../shared';
import { claudeRuntimeIn, databaseKindsWith } from '../helpers/databases';

const event = (id: string, output: number): UsageEvent => ({
  id,
  ts: '2026-05-01T10:15:00Z',
  provider: 'claude',
  model: 'claude-sonnet-4-5',
  input_tokens: 10,
  output_tokens: output,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
});

describe.each(databaseKindsWith(1))('replacing re-sent events of a full page, %s', (_kind, open) => {
  let db: Database;
  let close: () => Promise<void>;
  let runtimeId: string;
  const pricer = createPricer();

  beforeAll(async () => {
    ({ db, close } = await open());
    runtimeId = await claudeRuntimeIn(db, (await createWorkspace(db, 'w')).id);
  }, 60_000);
  afterAll(() => close());

  it('keeps each new version on the page of the one it replaces (a HOT update)', async () => {
    const ids = Array.from({ length: 400 }, (_, i) => `e${String(i).padStart(4, '0')}`);
    await db.transaction(async (tx) => {
      await lockRuntimes(tx, [runtimeId]);
      await writeUsageEvents(
        tx,
        ids.map((id) => ({ ...event(id, 1), runtime_id: runtimeId })),
        pricer,
      );
    });
    // Five events of the first page, which later inserts filled (several pages follow it).
    const onFirstPage = await db.query<{ id: string }>(
      `SELECT id FROM usage_events WHERE (ctid::text::point)[0] = 0 ORDER BY id LIMIT 5`,
    );
    const [{ pages } = { pages: 0 }] = await db.query<{ pages: number }>(
      `SELECT count(DISTINCT (ctid::text::point)[0])::int AS pages FROM usage_events`,
    );
    expect(pages).toBeGreaterThan(2);
    expect(onFirstPage.length).toBe(5);
    const hot = await db.transaction(async (tx) => {
      await lockRuntimes(tx, [runtimeId]);
      // Counters of this transaction: nothing reports them before it ends.
      const counts = async () =>
        (
          await tx.query<{ updated: number; hot: number }>(
            `SELECT n_tup_upd::int AS updated, n_tup_hot_upd::int AS hot
             FROM pg_stat_xact_user_tables WHERE relname = 'usage_events'`,
          )
        )[0] ?? { updated: 0, hot: 0 };
      const before = await counts();
      await writeUsageEvents(
        tx,
        onFirstPage.map(({ id }) => ({ ...event(id, 2), runtime_id: runtimeId })),
        pricer,
      );
      const after = await counts();
      return { updated: after.updated - before.updated, hot: after.hot - before.hot };
    });
    expect(hot).toEqual({ updated: 5, hot: 5 });
    const [stored] = await db.query<{ pages: number[] }>(
      `SELECT array_agg(DISTINCT (ctid::text::point)[0]::int) AS pages FROM usage_events WHERE id = ANY ($1)`,
      [onFirstPage.map(({ id }) => id)],
    );
    expect(stored?.pages).toEqual([0]);
  }, 60_000);
});
