import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPricer } from '../../server/pricing';
import { collapseByKey, type Database, lockRuntimes, writeUsageEvents } from '../../server/store';
import type { UsageEvent } from '../../shared';
import { databaseKinds, workspaceWithRuntime } from '../helpers/databases';

const MAX = Number.MAX_SAFE_INTEGER;

describe.each(databaseKinds)('rollup overflow on %s', (_kind, open) => {
  let db: Database;
  let close: () => Promise<void>;
  let runtimeId: string;

  beforeAll(async () => {
    ({ db, close } = await open());
    runtimeId = await workspaceWithRuntime(db, 'overflow');
  });
  afterAll(() => close());

  const maxEvent = (id: string): UsageEvent => ({
    id,
    ts: '2026-11-24T10:15:00Z',
    provider: 'claude',
    model: 'claude-sonnet-4-5',
    input_tokens: MAX,
    output_tokens: MAX,
    cache_read_tokens: MAX,
    cache_write_tokens: MAX,
  });

  const write = (events: UsageEvent[]) =>
    db.transaction(async (tx) => {
      await lockRuntimes(tx, [runtimeId]);
      return writeUsageEvents(
        tx,
        collapseByKey(events.map((e) => ({ ...e, runtime_id: runtimeId }))),
        createPricer(),
      );
    });

  it('accepts the 1,026th event of 2^53-1 tokens in one hour and keeps the sum exact', async () => {
    const ids = Array.from({ length: 1_026 }, (_, i) => `e${i}`);
    // 1,024 × (2^53-1) is just under 2^63: the next events are the ones bigint could not hold.
    await write(ids.slice(0, 512).map(maxEvent));
    await write(ids.slice(512, 1_024).map(maxEvent));
    await write([maxEvent(ids[1_024]!)]);
    const deltas = await write([maxEvent(ids[1_025]!)]);
    expect(deltas).toHaveLength(1);
    expect(deltas[0]!.input_tokens).toBe(MAX);

    const [row] = await db.query<Record<string, string>>(
      `SELECT input_tokens::text AS input, cache_write_tokens::text AS cache_write, pg_typeof(input_tokens)::text AS type
       FROM usage_quarter WHERE runtime_id = $1`,
      [runtimeId],
    );
    const exact = (BigInt(MAX) * 1_026n).toString();
    expect(row).toEqual({ input: exact, cache_write: exact, type: 'numeric' });
  });
});
