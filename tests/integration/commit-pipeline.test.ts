/**
 * The commit pipeline: while one commit is in flight, a second starts on its own connection once the queue holds a
 * commit's worth of calls of other runtimes. A runtime is never in two commits at once (its later call waits for
 * the commit holding its earlier one), reports leave in the order the commits were made, a smaller queue waits for
 * the commit in flight instead of making a small commit beside it, and the totals stay exact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IngestChanges } from '../../server/ingest/changes';
import { GroupCommitWriter } from '../../server/ingest/group-commit';
import { createPricer } from '../../server/pricing';
import { createWorkspace, type Database } from '../../server/store';
import { TOKEN_KINDS, type UsageEvent } from '../../shared';
import { claudeRuntimeIn, type MigratedPostgres, migratedPostgres } from '../helpers/databases';
import { unheardChanges } from '../helpers/ingest-changes';

let seq = 0;
const events = (n: number): UsageEvent[] =>
  Array.from({ length: n }, () => ({
    id: `e${++seq}`,
    ts: '2026-11-30T12:05:00.000Z',
    provider: 'claude',
    model: 'claude-sonnet-4-5',
    input_tokens: 1,
    output_tokens: seq,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
  }));

/**
 * The real database, recording each commit (the runtimes its batch names) as it starts and as it ends. The first
 * commit is held before it is sent until a second one ended (or `holdMs` passed), so that a second commit, if the
 * writer starts one beside it, runs and ends while the first is still in flight.
 */
function gatedDatabase(db: Database, names: ReadonlyMap<string, string>, holdMs: number) {
  const log: string[] = [];
  let open = 0;
  let maxOpen = 0;
  let commits = 0;
  let releaseFirst = () => {};
  const firstHeld = new Promise<void>((resolve) => {
    releaseFirst = resolve;
    setTimeout(resolve, holdMs);
  });
  const named = (batch: unknown) =>
    [...names]
      .filter(([id]) => String(batch).includes(id))
      .map(([, name]) => name)
      .join('+');
  const gated: Database = {
    ...db,
    alone: async <T>(text: string, params: unknown[], name?: string) => {
      const n = ++commits;
      const who = named(params[0]);
      open++;
      maxOpen = Math.max(maxOpen, open);
      log.push(`start ${who}`);
      if (n === 1) await firstHeld;
      try {
        return await db.alone<T>(text, params, name);
      } finally {
        open--;
        log.push(`end ${who}`);
        if (n > 1) releaseFirst();
      }
    },
  };
  return { gated, log, maxOpen: () => maxOpen };
}

describe('the commit pipeline', () => {
  let fresh: MigratedPostgres;
  let db: Database;
  let workspaceId: string;
  const names = new Map<string, string>();
  let a: string;
  let b: string;

  beforeAll(async () => {
    fresh = await migratedPostgres();
    db = fresh.db;
    workspaceId = (await createWorkspace(db, 'pipeline')).id;
    a = await claudeRuntimeIn(db, workspaceId);
    b = await claudeRuntimeIn(db, workspaceId);
    names.set(a, 'A').set(b, 'B');
  });
  afterAll(async () => {
    await fresh.close();
  });

  function writerOver(database: Database, reports: string[]) {
    const changes: IngestChanges = {
      ...unheardChanges,
      usageCommitted: (_ws, runtimeId) => reports.push(names.get(runtimeId)!),
    };
    return new GroupCommitWriter(database, {
      maxQueuedItems: 100_000,
      maxBatchItems: 5_000,
      lingerMs: 0,
      pipeline: 2,
      changes,
      pricer: createPricer(),
    });
  }

  const usage = (runtimeId: string, items: UsageEvent[]) =>
    ({ kind: 'usage', workspaceId, runtimeId, items, answered: Promise.resolve() }) as const;

  it("starts a second commit beside the first, keeps a runtime's later call for after its commit, and reports in commit order", async () => {
    const { gated, log, maxOpen } = gatedDatabase(db, names, 2_000);
    const reports: string[] = [];
    const writer = writerOver(gated, reports);
    const sent = [events(10), events(10), events(10)];
    const first = writer.submit(usage(a, sent[0]!));
    // The first commit takes its batch (10 items) on the next turn; then A's next call and B's call arrive.
    await new Promise((r) => setImmediate(r));
    const later = [writer.submit(usage(a, sent[1]!)), writer.submit(usage(b, sent[2]!))];
    expect(await Promise.all([first, ...later])).toEqual([10, 10, 10]);
    await writer.drain();

    expect(maxOpen()).toBe(2);
    // B's commit ran and ended while A's was held; A's second call waited for A's first commit.
    expect(log).toEqual(['start A', 'start B', 'end B', 'end A', 'start A', 'end A']);
    expect(reports).toEqual(['B', 'A', 'A']);

    const [stored] = await db.query<Record<string, number>>(
      `SELECT ${TOKEN_KINDS.map((k) => `sum(${k})::float8 AS ${k}`).join(', ')} FROM usage_quarter
       WHERE runtime_id = ANY($1::uuid[])`,
      [[a, b]],
    );
    expect(TOKEN_KINDS.map((k) => stored?.[k])).toEqual(
      TOKEN_KINDS.map((k) => sent.flat().reduce((s, e) => s + e[k], 0)),
    );
  });

  it('does not start a commit smaller than the one in flight beside it: those calls wait for it', async () => {
    const { gated, log, maxOpen } = gatedDatabase(db, names, 200);
    const writer = writerOver(gated, []);
    const first = writer.submit(usage(a, events(20)));
    await new Promise((r) => setImmediate(r));
    const second = writer.submit(usage(b, events(10)));
    expect(await Promise.all([first, second])).toEqual([20, 10]);
    await writer.drain();
    expect(maxOpen()).toBe(1);
    expect(log).toEqual(['start A', 'end A', 'start B', 'end B']);
  });
});
