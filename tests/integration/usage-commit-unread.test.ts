/**
 * A usage commit alone whose workspaces nobody would be told about (the port's `publishes` says no: a single node
 * with no dashboard open) does not read its deltas back: it stays exact, reports nothing, and a dashboard that opened
 * between the commit's start and its report is told to refetch instead of missing the commit. A port that publishes
 * (or cannot say) gets the deltas as before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HourDelta, IngestChanges } from '../../server/ingest/changes';
import { GroupCommitWriter } from '../../server/ingest/group-commit';
import { createPricer } from '../../server/pricing';
import { createWorkspace, type Database } from '../../server/store';
import type { UsageEvent } from '../../shared';
import { claudeRuntimeIn, databaseKinds } from '../helpers/databases';
import { unheardChanges } from '../helpers/ingest-changes';

const event = (id: string, output: number): UsageEvent => ({
  id,
  ts: '2026-11-30T12:05:00.000Z',
  provider: 'claude',
  model: 'claude-sonnet-4-5',
  input_tokens: 1,
  output_tokens: output,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
});

/** A port whose `publishes` answers `open.value`, recording what it was told. */
function port() {
  const open = { value: false };
  const pushed: HourDelta[] = [];
  const unreported: string[] = [];
  const changes: IngestChanges = {
    ...unheardChanges,
    usageCommitted: (_ws, _rt, deltas) => pushed.push(...deltas),
    changesUnreported: (ids) => unreported.push(...ids),
    publishes: () => open.value,
  };
  return { changes, open, pushed, unreported };
}

async function newRuntime(db: Database): Promise<{ workspaceId: string; runtimeId: string }> {
  const ws = await createWorkspace(db, `unread-${crypto.randomUUID()}`);
  return { workspaceId: ws.id, runtimeId: await claudeRuntimeIn(db, ws.id) };
}

describe.each(databaseKinds)('a usage commit nobody is told about, on %s', (_kind, open) => {
  let db: Database;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ db, close } = await open());
  });
  afterAll(async () => {
    await close?.();
  });

  const stored = (runtimeId: string) =>
    db.query<{ output: number; rollup: number }>(
      `SELECT (SELECT coalesce(sum(output_tokens), 0) FROM usage_events WHERE runtime_id = $1)::int AS output,
              (SELECT coalesce(sum(output_tokens), 0) FROM usage_quarter WHERE runtime_id = $1)::int AS rollup`,
      [runtimeId],
    );

  it('stays exact, reports nothing, and tells a dashboard opened meanwhile to refetch', async () => {
    const { workspaceId, runtimeId } = await newRuntime(db);
    const p = port();
    const writer = new GroupCommitWriter(db, {
      maxQueuedItems: 10_000,
      maxBatchItems: 10_000,
      lingerMs: 0,
      changes: p.changes,
      pricer: createPricer(),
    });
    const submit = (items: UsageEvent[], answered = Promise.resolve()) =>
      writer.submit({ kind: 'usage', workspaceId, runtimeId, items, answered });

    expect(await submit([event('a', 10), event('b', 5)])).toBe(2);
    expect(await submit([event('a', 30), event('c', 1)])).toBe(2);
    await writer.drain();
    expect(await stored(runtimeId)).toEqual([{ output: 36, rollup: 36 }]);
    expect(p.pushed).toEqual([]);
    expect(p.unreported).toEqual([]);

    // Nobody listens when the commit starts; a dashboard opens before it is reported (its answer went out).
    let answer = () => {};
    const answered = new Promise<void>((resolve) => {
      answer = resolve;
    });
    const writer2 = new GroupCommitWriter(db, {
      maxQueuedItems: 10_000,
      maxBatchItems: 10_000,
      lingerMs: 0,
      changes: p.changes,
      pricer: createPricer(),
    });
    const call = writer2.submit({ kind: 'usage', workspaceId, runtimeId, items: [event('d', 4)], answered });
    expect(await call).toBe(1);
    p.open.value = true;
    answer();
    await writer2.drain();
    expect(p.pushed).toEqual([]);
    expect(p.unreported).toEqual([workspaceId]);
    expect(await stored(runtimeId)).toEqual([{ output: 40, rollup: 40 }]);
  });

  it('reads and reports the deltas when the port publishes', async () => {
    const { workspaceId, runtimeId } = await newRuntime(db);
    const p = port();
    p.open.value = true;
    const writer = new GroupCommitWriter(db, {
      maxQueuedItems: 10_000,
      maxBatchItems: 10_000,
      lingerMs: 0,
      changes: p.changes,
      pricer: createPricer(),
    });
    await writer.submit({
      kind: 'usage',
      workspaceId,
      runtimeId,
      items: [event('a', 10), event('b', 5)],
      answered: Promise.resolve(),
    });
    await writer.drain();
    expect(p.pushed.reduce((n, d) => n + d.output_tokens, 0)).toBe(15);
    expect(p.unreported).toEqual([]);
  });
});
