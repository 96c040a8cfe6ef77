/**
 * Parked in session 11 (bench/plans/runtime-levels-watermark.md, blocker 2): a node of the previous release writes
 * the runtime levels for every hour, also the open one, which a new node leaves to usage_quarter and the roll, so
 * during a rolling upgrade (`docker compose up -d --build` recreates the hub services one after the other) the open
 * hour would count twice. Migration 013 renames the levels' tables and gives their names to the views, so the
 * previous release's writes — its usage commit and its reprice, replayed here as its store issues them
 * (tests/fixtures/previous-release) — are refused: answered `unavailable` (the daemon re-sends), nothing written.
 * On a database before 013 the same statements write, so this test fails if they stop being refused.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createPricer } from '../../server/pricing';
import { type Database, encodeUsageBatch, levelsFrom, StoreError } from '../../server/store';
import type { UsageEvent } from '../../shared';
import { databaseKinds, workspaceWithRuntime, writeEventsOf } from '../helpers/databases';

const previous = JSON.parse(
  readFileSync(new URL('../fixtures/previous-release/usage-writes.json', import.meta.url), 'utf8'),
) as { routine: string; write: string; repriceLock: string; reprice: string };
const pricer = createPricer();
const TABLES = [
  'usage_events',
  'usage_quarter',
  'usage_workspace_hourly',
  'usage_workspace_daily',
  'runtimes',
];

const event = (id: string, ts: string): UsageEvent => ({
  id,
  ts,
  provider: 'claude',
  model: 'claude-sonnet-4-5',
  input_tokens: 1000,
  output_tokens: 200,
  cache_read_tokens: 30,
  cache_write_tokens: 4,
});

/** Every row of the usage tables (and the runtime levels' tables of either version), as text. */
async function contents(db: Database, levels: string[]): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const table of [...TABLES, ...levels]) {
    const rows = await db.query<{ r: string }>(`SELECT t::text AS r FROM ${table} t ORDER BY 1`);
    out[table] = rows.map((r) => r.r);
  }
  return out;
}

/** The previous release's commit of `events`, then its reprice of them at a dearer price, as it issues them. */
async function previousWrites(db: Database, runtimeId: string, events: UsageEvent[]) {
  // Its start: its migrate (re)creates its write function, which Postgres accepts (tables are resolved on call).
  await db.exec(previous.routine);
  const settled = <T>(p: Promise<T>) =>
    p.then(
      (value): PromiseSettledResult<T> => ({ status: 'fulfilled', value }),
      (reason: unknown): PromiseSettledResult<T> => ({ status: 'rejected', reason }),
    );
  const write = await settled(
    db.transaction((tx) => tx.query(previous.write, [encodeUsageBatch([{ runtimeId, events }], pricer)])),
  );
  const reprice = await settled(
    db.transaction(async (tx) => {
      await tx.query(previous.repriceLock, [[runtimeId]]);
      const changed = events.map((e) => ({
        runtime_id: runtimeId,
        id: e.id,
        total: e.input_tokens + e.output_tokens + e.cache_read_tokens + e.cache_write_tokens,
        cost_usd: 99,
        cost_source: 'table',
      }));
      return tx.query(previous.reprice, [JSON.stringify(changed)]);
    }),
  );
  return [write, reprice] as const;
}

describe.each(databaseKinds)('a node of the previous release beside migration 013, on %s', (_kind, open) => {
  it('has its usage commit and its reprice refused as unavailable, and nothing written', async () => {
    const { db, close } = await open();
    try {
      const runtimeId = await workspaceWithRuntime(db, 'mixed versions');
      const openHour = new Date(Date.parse(await levelsFrom(db)) + 60_000).toISOString();
      const events = [event('stored', openHour), event('late', '2026-03-10T01:00:00Z')];
      // Stored by a new node: the reprice below has rows to change, the levels' tables a rolled hour.
      await writeEventsOf(db, runtimeId, events, pricer);
      const levels = ['usage_runtime_hourly_rolled', 'usage_runtime_daily_rolled'];
      const before = await contents(db, levels);
      expect(before.usage_events).toHaveLength(2);

      const [write, reprice] = await previousWrites(db, runtimeId, [...events, event('new', openHour)]);

      for (const outcome of [write, reprice]) {
        expect(outcome.status).toBe('rejected');
        const err = (outcome as PromiseRejectedResult).reason;
        expect(err).toBeInstanceOf(StoreError);
        expect((err as StoreError).kind).toBe('unavailable');
        expect((err as StoreError).message).toMatch(
          /^cannot (insert into|update) view "usage_runtime_(hourly|daily)"/,
        );
      }
      expect(await contents(db, levels)).toEqual(before);
    } finally {
      await close();
    }
  });

  it('writes with the same statements before 013 (so the refusal above is 013 at work)', async () => {
    const { db, close } = await open('012_events_fillfactor.sql');
    try {
      const runtimeId = await workspaceWithRuntime(db, 'previous release');
      const levels = ['usage_runtime_hourly', 'usage_runtime_daily'];
      const before = await contents(db, levels);

      const [write, reprice] = await previousWrites(db, runtimeId, [event('new', '2026-03-10T01:00:00Z')]);

      if (reprice.status === 'rejected') throw reprice.reason;
      expect([write.status, reprice.status]).toEqual(['fulfilled', 'fulfilled']);
      const after = await contents(db, levels);
      expect(after.usage_events).toHaveLength(1);
      expect(after.usage_runtime_hourly).toHaveLength(before.usage_runtime_hourly!.length + 1);
    } finally {
      await close();
    }
  });
});
