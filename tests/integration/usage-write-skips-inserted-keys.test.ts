/**
 * A batch that re-sends events inserts its new keys with ON CONFLICT DO NOTHING, keeps the keys it inserted, and
 * looks up only the others among the stored rows (usage-routine.ts). The keys are (runtime, id) pairs: an id this
 * batch inserted for one runtime must not hide the same id stored for another runtime, which the batch beats.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPricer } from '../../server/pricing';
import {
  createWorkspace,
  type Database,
  lockRuntimes,
  registerRuntimes,
  writeUsageEvents,
} from '../../server/store';
import type { UsageEvent } from '../../shared';
import { databaseKinds } from '../helpers/databases';

const event = (id: string, n: number): UsageEvent => ({
  id,
  ts: '2026-05-01T10:15:00Z',
  provider: 'claude',
  model: 'claude-sonnet-4-5',
  input_tokens: n,
  output_tokens: 0,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
});

describe.each(databaseKinds)('usage write skipping the keys it inserted on %s', (_kind, open) => {
  let db: Database;
  let close: () => Promise<void>;
  let workspaceId: string;
  const pricer = createPricer();

  const newRuntimes = async () => {
    const rts = await registerRuntimes(
      db,
      workspaceId,
      {
        daemon_id: crypto.randomUUID(),
        device_info: 'box',
        runtimes: [
          { provider: 'claude', name: 'a', runtime_mode: 'local' },
          { provider: 'codex', name: 'b', runtime_mode: 'local' },
        ],
      },
      'test',
    );
    return rts.map((r) => r.id);
  };
  const write = (events: (UsageEvent & { runtime_id: string })[]) =>
    db.transaction(async (tx) => {
      await lockRuntimes(tx, [...new Set(events.map((e) => e.runtime_id))]);
      return writeUsageEvents(tx, events, pricer);
    });
  const stored = async (rts: string[]) =>
    (
      await db.query<{ runtime_id: string; id: string; n: number }>(
        `SELECT runtime_id, id, input_tokens::int AS n FROM usage_events WHERE runtime_id = ANY($1::uuid[])`,
        [rts],
      )
    )
      .map((r) => `${rts.indexOf(r.runtime_id)}:${r.id}:${r.n}`)
      .sort();
  const quarterInputs = async (rts: string[]) =>
    (
      await db.query<{ runtime_id: string; n: number }>(
        `SELECT runtime_id, sum(input_tokens)::int AS n FROM usage_quarter WHERE runtime_id = ANY($1::uuid[])
         GROUP BY runtime_id`,
        [rts],
      )
    )
      .map((r) => `${rts.indexOf(r.runtime_id)}:${r.n}`)
      .sort();

  beforeAll(async () => {
    ({ db, close } = await open());
    workspaceId = (await createWorkspace(db, 'w')).id;
  });
  afterAll(() => close());

  it('replaces a stored id of one runtime that the same batch inserts for another runtime', async () => {
    const [a, b] = (await newRuntimes()) as [string, string];
    await write([
      { ...event('x', 1), runtime_id: a },
      { ...event('y', 7), runtime_id: b },
    ]);
    // "x" is new for b and stored (beaten) for a; "y" is new for a and stored (not beaten) for b.
    const deltas = await write([
      { ...event('x', 10), runtime_id: b },
      { ...event('x', 4), runtime_id: a },
      { ...event('y', 2), runtime_id: a },
      { ...event('y', 5), runtime_id: b },
    ]);
    const byRuntime = (rt: string) =>
      deltas.filter((d) => d.runtime_id === rt).reduce((sum, d) => sum + d.input_tokens, 0);
    expect([byRuntime(a), byRuntime(b)]).toEqual([3 + 2, 10]);
    expect(await stored([a, b])).toEqual(['0:x:4', '0:y:2', '1:x:10', '1:y:7']);
    expect(await quarterInputs([a, b])).toEqual(['0:6', '1:17']);
  });
});
