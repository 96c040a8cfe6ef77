/**
 * Group commit: calls from every connection are queued and written together, one transaction and one multi-row
 * statement per kind per flush. A flush starts as soon as the writer is free, so a lone call is not delayed;
 * under load the calls that arrive during a commit form the next batch. Each call settles only after its
 * transaction committed (ok) or rolled back (unavailable, nothing partial). A call carrying a value Postgres refuses
 * is isolated and refused alone (invalid_payload). The queue is bounded: when Postgres falls behind, new calls are
 * refused at once instead of memory growing. What a commit changed leaves through the ingest port once every call
 * in it has been answered, commits in the order they were made. What one commit writes and reports is
 * commit-calls.ts.
 *
 * Pipeline: with `pipeline` > 1 a second commit may start while the first runs (its own connection), so the hub's
 * encoding and the answer of one commit overlap Postgres executing the other. It starts only once the queue holds
 * as many items as the commit before it took (batches stay as large as without it: each commit has a fixed cost),
 * and never with a runtime that is in a commit in flight: a runtime's calls (tasks in call order, its usage
 * version bump) are in one commit at a time, so two concurrent commits share no runtime row and meet only on
 * the workspace rollup rows, which both lock in key order.
 */
import type { Pricer, Task, UsageEvent } from '../../shared';
import { HubError } from '../errors';
import { CommitInDoubtError, type Database } from '../store';
import type { IngestChanges, UsageCommitHook } from './changes';
import { type Committed, commitCalls, reportCommitted } from './commit-calls';
import { dbFailure, isConflict, isDataError } from './db-errors';

/** What a call of each kind carries: the twins differ only here. */
export interface IngestItems {
  usage: UsageEvent;
  task: Task;
}
export type IngestKind = keyof IngestItems;

export type IngestCall = {
  [K in IngestKind]: {
    kind: K;
    workspaceId: string;
    runtimeId: string;
    items: IngestItems[K][];
    /** The call's changes are reported once it settles (its answer was sent). */
    answered: Promise<void>;
  };
}[IngestKind];

export interface GroupCommitOptions {
  maxQueuedItems: number;
  maxBatchItems: number;
  lingerMs: number;
  /** Commits in flight at once (see the module's note); 1 when absent. */
  pipeline?: number;
  /** Where committed changes are reported, and commits in doubt (stored maybe, never reported). */
  changes: IngestChanges;
  /** Prices each event as it is written. */
  pricer: Pricer;
  /** Records what depends on the usage (budget spend) in the same transaction. */
  onUsageCommit?: UsageCommitHook;
  observe?: (o: { items: number; calls: number; seconds: number; ok: boolean }) => void;
  onError?: (err: unknown) => void;
}

interface Pending {
  call: IngestCall;
  items: number;
  resolve: (accepted: number) => void;
  reject: (err: HubError) => void;
}

/** Commits tried when concurrent commits roll each other back (see commitRetrying). */
const CONFLICT_ATTEMPTS = 3;

/** Items a call adds to the queue. */
export const sizeOf = (call: IngestCall) => call.items.length;

export class GroupCommitWriter {
  private queue: Pending[] = [];
  private queuedItems = 0;
  /** Commits in flight (or about to take their batch), each on its own connection. */
  private readonly flushes = new Set<Promise<void>>();
  /** A flush was started and has not taken its batch yet: no other starts meanwhile. */
  private starting = false;
  /** Runtimes with calls in a commit in flight: their next calls wait for it. */
  private readonly busy = new Set<string>();
  /** Items the last commit took: what the queue must hold before a commit starts beside one in flight. */
  private lastBatchItems = Number.POSITIVE_INFINITY;
  /** Reports of earlier commits: a later commit is reported after them (a task's later state is never overtaken). */
  private reporting: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly db: Database,
    private readonly options: GroupCommitOptions,
  ) {}

  /** Resolves with the number of items accepted once they are committed. */
  submit(call: IngestCall): Promise<number> {
    const items = sizeOf(call);
    if (this.closed) return Promise.reject(new HubError('unavailable', 'the hub is shutting down'));
    if (this.queuedItems + items > this.options.maxQueuedItems) {
      return Promise.reject(new HubError('unavailable', 'the hub is behind on writes; retry shortly'));
    }
    return new Promise<number>((resolve, reject) => {
      this.queue.push({ call, items, resolve, reject });
      this.queuedItems += items;
      this.schedule();
    });
  }

  /** Neither committing nor holding calls: a call submitted now starts a commit at once. */
  idle(): boolean {
    return this.flushes.size === 0 && this.queue.length === 0;
  }

  /** Items waiting for a commit (for /metrics and tests). */
  depth(): number {
    return this.queuedItems;
  }

  /** Refuses new calls and waits until everything queued has been committed or refused. */
  async drain(): Promise<void> {
    this.closed = true;
    while (this.flushes.size > 0 || this.queue.length > 0) {
      if (this.flushes.size === 0) this.schedule();
      await Promise.all(this.flushes);
    }
    await this.reporting;
  }

  private schedule(): void {
    if (this.starting || this.queue.length === 0) return;
    if (this.flushes.size > 0 && !this.mayOverlap()) return;
    this.starting = true;
    const flush: Promise<void> = (async () => {
      if (this.options.lingerMs > 0) await new Promise((r) => setTimeout(r, this.options.lingerMs));
      else await new Promise((r) => setImmediate(r));
      await this.flushOnce();
    })().finally(() => {
      this.flushes.delete(flush);
      this.schedule();
    });
    this.flushes.add(flush);
  }

  /** A commit may start beside those in flight: a free slot, and a commit's worth of calls it may take. */
  private mayOverlap(): boolean {
    if (this.flushes.size >= (this.options.pipeline ?? 1)) return false;
    let ready = 0;
    for (const p of this.queue) {
      if (!this.busy.has(p.call.runtimeId)) ready += p.items;
      if (ready > 0 && ready >= this.lastBatchItems) return true;
    }
    return false;
  }

  /** The calls of the next commit, in queue order, leaving those of runtimes in a commit in flight queued. */
  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    const rest: Pending[] = [];
    let items = 0;
    let full = false;
    for (const p of this.queue) {
      if (full || this.busy.has(p.call.runtimeId)) rest.push(p);
      else if (batch.length > 0 && items + p.items > this.options.maxBatchItems) {
        // Nothing after it either: a runtime's later call must not overtake its earlier one.
        full = true;
        rest.push(p);
      } else {
        batch.push(p);
        items += p.items;
      }
    }
    this.queue = rest;
    this.queuedItems -= items;
    return batch;
  }

  private async flushOnce(): Promise<void> {
    this.starting = false;
    const batch = this.takeBatch();
    if (batch.length === 0) return;
    const runtimes = new Set(batch.map((p) => p.call.runtimeId));
    for (const r of runtimes) this.busy.add(r);
    this.lastBatchItems = batch.reduce((sum, p) => sum + p.items, 0);
    try {
      await this.commitBatch(batch);
    } finally {
      for (const r of runtimes) this.busy.delete(r);
    }
  }

  private async commitBatch(batch: Pending[]): Promise<void> {
    try {
      await this.commitRetrying(batch);
    } catch (cause) {
      this.options.onError?.(cause);
      if (batch.length > 1 && isDataError(cause)) {
        // A value Postgres refuses fails the whole transaction: commit the calls one by one so that only the
        // call carrying it is refused, not every call (of any workspace) that happened to share its batch.
        for (const p of batch) {
          await this.commitRetrying([p]).catch((err: unknown) => {
            this.options.onError?.(err);
            p.reject(dbFailure(err));
          });
        }
        return;
      }
      const err = dbFailure(cause);
      for (const p of batch) p.reject(err);
      if (cause instanceof CommitInDoubtError) {
        // The rows may be stored although nobody was told: dashboards of these workspaces must refetch.
        this.options.changes.changesUnreported(new Set(batch.map((p) => p.call.workspaceId)));
      }
    }
  }

  /**
   * Commits, again at once when Postgres rolled the transaction back because a concurrent commit was in its way
   * (commits of several writers share rows of usage_quarter and runtimes; such a rollback is rare and wrote nothing).
   */
  private async commitRetrying(batch: Pending[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.commit(batch);
      } catch (err) {
        if (attempt >= CONFLICT_ATTEMPTS || !isConflict(err)) throw err;
      }
    }
  }

  /** Writes these calls in one transaction and settles them; throws (settling none) if it did not commit. */
  private async commit(batch: Pending[]): Promise<void> {
    const started = performance.now();
    const observe = (ok: boolean) =>
      this.options.observe?.({
        items: batch.reduce((sum, p) => sum + p.items, 0),
        calls: batch.length,
        seconds: (performance.now() - started) / 1000,
        ok,
      });
    let committed: Committed;
    try {
      committed = await commitCalls(
        this.db,
        batch.map((p) => p.call),
        this.options,
      );
    } catch (cause) {
      observe(false);
      throw cause;
    }
    observe(true);
    for (const p of batch) p.resolve(p.items);
    this.reportWhenAnswered(batch, committed);
  }

  /** Reports a commit once every call in it was answered: commit → ack → publish, never publish first. */
  private reportWhenAnswered(batch: Pending[], committed: Committed): void {
    const answers = Promise.all(batch.map((p) => p.call.answered));
    this.reporting = this.reporting
      .then(() => answers)
      .then(() => reportCommitted(this.options.changes, committed))
      // Committed and acked: a failed report only costs dashboards a live update (they refetch on reconnect).
      .catch((err: unknown) => this.options.onError?.(err));
  }
}
