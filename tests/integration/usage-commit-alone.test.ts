/**
 * A commit of usage only, for workspaces the usage hook (budgets) has nothing to record for, is one statement that
 * is its own transaction: one round trip instead of BEGIN, the write and COMMIT. It stays exact, the hook still
 * gets a transaction when it applies, a refusal by Postgres writes nothing, and an answer lost after the commit
 * is a commit in doubt (the call answered unavailable, the workspace's dashboards told to refetch), as a lost
 * COMMIT is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestChanges, UsageCommitHook } from '../../server/ingest/changes';
import { type GroupCommitOptions, GroupCommitWriter } from '../../server/ingest/group-commit';
import { createPricer } from '../../server/pricing';
import {
  CommitInDoubtError,
  createWorkspace,
  type Database,
  migrate,
  openPostgres,
  StoreError,
  writeUsageCallsAlone,
} from '../../server/store';
import type { UsageEvent } from '../../shared';
import { startCommitAnswerDropper } from '../helpers/chaos-pg-proxy';
import { claudeRuntimeIn, databaseKinds } from '../helpers/databases';
import { unheardChanges } from '../helpers/ingest-changes';
import { freshDatabase } from '../helpers/postgres';

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

function recordingChanges() {
  const unreported: string[] = [];
  const changes: IngestChanges = {
    ...unheardChanges,
    changesUnreported: (ids) => unreported.push(...ids),
  };
  return { changes, unreported };
}

const writerOver = (db: Database, options: Partial<GroupCommitOptions> = {}) =>
  new GroupCommitWriter(db, {
    maxQueuedItems: 10_000,
    maxBatchItems: 10_000,
    lingerMs: 0,
    changes: recordingChanges().changes,
    pricer: createPricer(),
    ...options,
  });

async function newRuntime(db: Database): Promise<{ workspaceId: string; runtimeId: string }> {
  const ws = await createWorkspace(db, `alone-${crypto.randomUUID()}`);
  return { workspaceId: ws.id, runtimeId: await claudeRuntimeIn(db, ws.id) };
}

const stored = (db: Database, runtimeId: string) =>
  db.query<{ events: number; output: number; rollup: number }>(
    `SELECT (SELECT count(*) FROM usage_events WHERE runtime_id = $1)::int AS events,
            (SELECT coalesce(sum(output_tokens), 0) FROM usage_events WHERE runtime_id = $1)::int AS output,
            (SELECT coalesce(sum(output_tokens), 0) FROM usage_quarter WHERE runtime_id = $1)::int AS rollup`,
    [runtimeId],
  );

describe.each(databaseKinds)('a usage commit alone on %s', (_kind, open) => {
  let db: Database;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ db, close } = await open());
  });
  afterAll(async () => {
    await close?.();
  });

  it('is one statement, and stays exact when a larger snapshot replaces a stored event', async () => {
    const { workspaceId, runtimeId } = await newRuntime(db);
    const writer = writerOver(db);
    const submit = (items: UsageEvent[]) =>
      writer.submit({ kind: 'usage', workspaceId, runtimeId, items, answered: Promise.resolve() });
    const before = db.statementCount();
    expect(await submit([event('a', 10), event('b', 5)])).toBe(2);
    expect(db.statementCount() - before).toBe(1);
    expect(await submit([event('a', 30), event('b', 4), event('c', 1)])).toBe(3);
    expect(db.statementCount() - before).toBe(2);
    expect(await stored(db, runtimeId)).toEqual([{ events: 3, output: 36, rollup: 36 }]);
  });

  it('keeps the transaction when the usage hook applies to the workspace, and skips the hook when it does not', async () => {
    const { workspaceId, runtimeId } = await newRuntime(db);
    const calls: number[] = [];
    let applies = true;
    const hook: UsageCommitHook = Object.assign(
      async (...[, deltas]: Parameters<UsageCommitHook>) => {
        calls.push(deltas.reduce((n, d) => n + d.output_tokens, 0));
        return undefined;
      },
      { appliesTo: () => applies },
    );
    const writer = writerOver(db, { onUsageCommit: hook });
    const submit = (items: UsageEvent[]) =>
      writer.submit({ kind: 'usage', workspaceId, runtimeId, items, answered: Promise.resolve() });
    let before = db.statementCount();
    await submit([event('h1', 7)]);
    // BEGIN, the write, COMMIT (PGlite counts its own BEGIN and COMMIT inside the one call).
    expect(db.statementCount() - before).toBe(db.kind === 'postgres' ? 3 : 1);
    expect(calls).toEqual([7]);
    applies = false;
    before = db.statementCount();
    await submit([event('h2', 2)]);
    expect(db.statementCount() - before).toBe(1);
    expect(calls).toEqual([7]);
    expect(await stored(db, runtimeId)).toEqual([{ events: 2, output: 9, rollup: 9 }]);
  });
});

describe('a usage commit alone on postgres, when things go wrong', () => {
  let fresh: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Database;

  beforeAll(async () => {
    fresh = await freshDatabase();
    db = openPostgres(fresh.url);
    await migrate(db);
  });
  afterAll(async () => {
    await db?.close();
    await fresh?.drop();
  });

  it('writes nothing when Postgres refuses it, and says so as a store error, not a commit in doubt', async () => {
    const { runtimeId } = await newRuntime(db);
    const refused = await writeUsageCallsAlone(
      db,
      [{ runtimeId, events: [event('ok', 1), { ...event('bad', 1), input_tokens: Number.NaN }] }],
      createPricer(),
    ).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(StoreError);
    expect(refused).not.toBeInstanceOf(CommitInDoubtError);
    expect((refused as StoreError).kind).toBe('rejected_value');
    expect(await stored(db, runtimeId)).toEqual([{ events: 0, output: 0, rollup: 0 }]);
  });

  it('is a commit in doubt when its answer is lost after the commit: refused unavailable, stored, dashboards told', async () => {
    const url = new URL(fresh.url);
    const dropper = await startCommitAnswerDropper({ host: url.hostname, port: Number(url.port || 5432) });
    const proxied = openPostgres(dropper.url(fresh.url));
    try {
      const { workspaceId, runtimeId } = await newRuntime(db);
      const { changes, unreported } = recordingChanges();
      const writer = writerOver(proxied, { changes });
      const submit = (items: UsageEvent[]) =>
        writer.submit({ kind: 'usage', workspaceId, runtimeId, items, answered: Promise.resolve() });
      await submit([event('d1', 3)]);
      dropper.arm();
      const lost = await submit([event('d2', 4)]).catch((err: unknown) => err);
      expect(dropper.dropped).toBe(1);
      expect((lost as { code?: string }).code).toBe('unavailable');
      expect(unreported).toEqual([workspaceId]);
      expect(await stored(db, runtimeId)).toEqual([{ events: 2, output: 7, rollup: 7 }]);
      // The retry a daemon makes stores nothing twice, and the pool goes on with a fresh connection.
      expect(await submit([event('d2', 4)])).toBe(1);
      expect(await stored(db, runtimeId)).toEqual([{ events: 2, output: 7, rollup: 7 }]);
    } finally {
      await proxied.close();
      await dropper.close();
    }
  });
});
