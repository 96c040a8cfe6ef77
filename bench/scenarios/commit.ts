/**
 * Commit latency: the hub's own group-commit writer (the code a `usage` call goes through after validation) driven
 * directly from the harness, one call of `size` events at a time, so each call is exactly one commit and nothing
 * queues. Measures what a daemon waiting for its ack pays for the database alone, per batch size, and how many
 * statements (round trips) each commit sends. Half of each batch replaces events of the previous batch with a
 * larger snapshot (the streaming case), half is new.
 */
import { syntheticEvent } from '../../server/daemon/simulate';
import { GroupCommitWriter } from '../../server/ingest/group-commit';
import { createPricer } from '../../server/pricing';
import { type Database, registerRuntimes } from '../../server/store';
import type { UsageEvent } from '../../shared';
import { unheardChanges } from '../../tests/helpers/ingest-changes';
import { Histogram } from '../histogram';

export interface CommitLatency {
  size: number;
  samples: number;
  p50Ms: number | null;
  p99Ms: number | null;
  statementsPerCommit: number;
}

/** A batch: the first half grows the previous batch's events (a larger snapshot replaces them), the rest is new. */
function nextBatch(previous: UsageEvent[], size: number, at: Date): UsageEvent[] {
  const grown = previous
    .slice(0, Math.floor(size / 2))
    .map((e) => ({ ...e, output_tokens: e.output_tokens + 1 }));
  const fresh = Array.from({ length: size - grown.length }, () => syntheticEvent('claude', Math.random, at));
  return [...grown, ...fresh];
}

export async function runCommitLatency(
  db: Database,
  workspaceId: string,
  sizes: number[],
  samples: number,
): Promise<CommitLatency[]> {
  const [runtime] = await db.transaction((tx) =>
    registerRuntimes(
      tx,
      workspaceId,
      {
        daemon_id: crypto.randomUUID(),
        device_info: 'bench commit latency',
        runtimes: [{ provider: 'claude', name: 'bench-commit', runtime_mode: 'local' }],
      },
      'bench',
    ),
  );
  const runtimeId = runtime!.id;
  const results: CommitLatency[] = [];
  for (const size of sizes) {
    const times = new Histogram();
    let measuring = false;
    const writer = new GroupCommitWriter(db, {
      maxQueuedItems: 100_000,
      maxBatchItems: 100_000,
      lingerMs: 0,
      changes: unheardChanges,
      pricer: createPricer(),
      observe: (o) => {
        if (o.ok && measuring) times.record(o.seconds * 1e6);
      },
    });
    let batch: UsageEvent[] = [];
    const warmup = Math.min(10, samples);
    let statements = 0;
    for (let i = 0; i < warmup + samples; i++) {
      batch = nextBatch(batch, size, new Date());
      if (i === warmup) {
        measuring = true;
        statements = db.statementCount();
      }
      await writer.submit({
        kind: 'usage',
        workspaceId,
        runtimeId,
        items: batch,
        answered: Promise.resolve(),
      });
    }
    await writer.drain();
    results.push({
      size,
      samples,
      p50Ms: times.percentileMs(50),
      p99Ms: times.percentileMs(99),
      statementsPerCommit: (db.statementCount() - statements) / samples,
    });
  }
  return results;
}
