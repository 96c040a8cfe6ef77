/**
 * The usage write inserts new keys as a plain insert when none of the batch's first keys is stored, and with ON
 * CONFLICT DO NOTHING otherwise or when the plain insert meets a stored key (usage-routine.ts). Every path must
 * leave the same rows and report the same differences.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPricer } from '../../server/pricing';
import { createWorkspace, type Database, type HourDelta } from '../../server/store';
import type { UsageEvent } from '../../shared';
import { claudeRuntimeIn, databaseKinds, writeEventsOf } from '../helpers/databases';

const TS = '2026-05-01T10:15:00Z';
const event = (id: string, n: number): UsageEvent => ({
  id,
  ts: TS,
  provider: 'claude',
  model: 'claude-sonnet-4-5',
  input_tokens: n,
  output_tokens: n,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
});
/** `count` new events a00, a01, …: every one sorts before "zzz". */
const fresh = (count: number, n: number) =>
  Array.from({ length: count }, (_, i) => event(`a${String(i).padStart(2, '0')}`, n));
const inputOf = (deltas: HourDelta[]) => deltas.reduce((sum, d) => sum + d.input_tokens, 0);

describe.each(databaseKinds)('usage write insert paths on %s', (_kind, open) => {
  let db: Database;
  let close: () => Promise<void>;
  let workspaceId: string;
  const pricer = createPricer();

  const newRuntime = () => claudeRuntimeIn(db, workspaceId);
  const write = (rt: string, events: UsageEvent[]) => writeEventsOf(db, rt, events, pricer);
  const stored = async (rt: string) =>
    (
      await db.query<{ id: string; input_tokens: number }>(
        'SELECT id, input_tokens::int AS input_tokens FROM usage_events WHERE runtime_id = $1 ORDER BY id',
        [rt],
      )
    ).map((r) => `${r.id}:${r.input_tokens}`);
  const quarterInput = async (rt: string) =>
    (
      await db.query<{ n: number }>(
        'SELECT sum(input_tokens)::int AS n FROM usage_quarter WHERE runtime_id = $1',
        [rt],
      )
    )[0]!.n;

  beforeAll(async () => {
    ({ db, close } = await open());
    workspaceId = (await createWorkspace(db, 'w')).id;
  });
  afterAll(() => close());

  it('writes a batch of new events only exactly (the plain insert)', async () => {
    const rt = await newRuntime();
    const deltas = await write(rt, fresh(20, 3));
    expect(inputOf(deltas)).toBe(60);
    expect(await stored(rt)).toEqual(fresh(20, 3).map((e) => `${e.id}:3`));
    expect(await quarterInput(rt)).toBe(60);
  });

  it('a re-sent key past the sampled first keys fails the plain insert, and the batch goes again with ON CONFLICT, exactly', async () => {
    const rt = await newRuntime();
    await write(rt, [event('zzz', 1)]);
    // 20 new keys sort first, so the sample sees none stored; the re-sent "zzz" (larger) comes last.
    const deltas = await write(rt, [...fresh(20, 3), event('zzz', 5)]);
    expect(inputOf(deltas)).toBe(60 + 4);
    expect(await stored(rt)).toEqual([...fresh(20, 3).map((e) => `${e.id}:3`), 'zzz:5']);
    expect(await quarterInput(rt)).toBe(65);
  });

  it('a re-sent key among the first keys sends the batch to ON CONFLICT at once, exactly', async () => {
    const rt = await newRuntime();
    await write(rt, [event('a00', 1)]);
    const deltas = await write(rt, fresh(20, 3));
    expect(inputOf(deltas)).toBe(2 + 19 * 3);
    expect(await stored(rt)).toEqual(fresh(20, 3).map((e) => `${e.id}:3`));
    expect(await quarterInput(rt)).toBe(60);
  });

  it('a re-sent key that does not beat the stored one changes nothing, on either path', async () => {
    const rt = await newRuntime();
    await write(rt, [event('zzz', 5)]);
    const deltas = await write(rt, [...fresh(20, 3), event('zzz', 2)]);
    expect(inputOf(deltas)).toBe(60);
    expect(await stored(rt)).toEqual([...fresh(20, 3).map((e) => `${e.id}:3`), 'zzz:5']);
    expect(await quarterInput(rt)).toBe(65);
  });
});
