/**
 * Several group-commit writers, each owning a fixed share of the runtimes. A runtime always goes to the same
 * writer, so writers never wait on each other's runtime locks, and while one commits another is filling its next
 * batch: Postgres gets a commit in flight per writer instead of one at a time. The queue bound stays global.
 */
import { HubError } from '../errors';
import type { Database } from '../store';
import { type GroupCommitOptions, GroupCommitWriter, type IngestCall, sizeOf } from './group-commit';

export interface IngestWriter {
  submit(call: IngestCall): Promise<number>;
  depth(): number;
  drain(): Promise<void>;
}

/** A stable small hash of a runtime id (uuids are already uniform: their last 8 hex digits will do). */
function shardOf(runtimeId: string, shards: number): number {
  return Number.parseInt(runtimeId.slice(-8), 16) % shards || 0;
}

export class ShardedWriter implements IngestWriter {
  private readonly writers: GroupCommitWriter[];

  constructor(
    db: Database,
    shards: number,
    private readonly options: GroupCommitOptions,
  ) {
    this.writers = Array.from(
      { length: Math.max(1, shards) },
      () => new GroupCommitWriter(db, { ...options, maxQueuedItems: Number.POSITIVE_INFINITY }),
    );
  }

  submit(call: IngestCall): Promise<number> {
    if (this.depth() + sizeOf(call) > this.options.maxQueuedItems) {
      return Promise.reject(new HubError('unavailable', 'the hub is behind on writes; retry shortly'));
    }
    return this.writers[shardOf(call.runtimeId, this.writers.length)]!.submit(call);
  }

  depth(): number {
    return this.writers.reduce((sum, w) => sum + w.depth(), 0);
  }

  async drain(): Promise<void> {
    await Promise.all(this.writers.map((w) => w.drain()));
  }
}
