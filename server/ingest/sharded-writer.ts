/**
 * Several group-commit writers: while one commits, another is filling and encoding its next batch, so Postgres
 * gets a commit in flight per writer instead of one at a time. Each runtime has a home writer, so under load the
 * writers' commits touch disjoint runtimes (no waiting on each other's rollup rows). A usage call whose home is
 * busy goes to an idle writer if there is one: usage writes order themselves per event key and their deltas add up
 * in any order, so one hot runtime is spread over every writer instead of queueing behind its home. Task calls
 * always go home, so a later report of a task is committed after an earlier one. The queue bound stays global.
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
    const home = this.writers[shardOf(call.runtimeId, this.writers.length)]!;
    const writer = call.kind === 'usage' && !home.idle() ? (this.idleWriter() ?? home) : home;
    return writer.submit(call);
  }

  private idleWriter(): GroupCommitWriter | undefined {
    return this.writers.find((w) => w.idle());
  }

  depth(): number {
    return this.writers.reduce((sum, w) => sum + w.depth(), 0);
  }

  async drain(): Promise<void> {
    await Promise.all(this.writers.map((w) => w.drain()));
  }
}
