/**
 * The daemon's write operations, shared by the socket events and the REST fallback so both have the same
 * semantics: validate with the shared schema, check the runtime belongs to the caller's workspace, write
 * (usage and tasks through group commit), then report what changed through the ingest port once the caller's
 * answer went out.
 */
import type { z } from 'zod';
import {
  type AcceptedResult,
  DailyTotalsPayload,
  HelloPayload,
  type HelloResult,
  type Pricer,
  TaskPayload,
  UsagePayload,
} from '../../shared';
import { HubError } from '../errors';
import type { Metrics } from '../observability/metrics';
import {
  bumpUsageVersions,
  type Database,
  lockRuntimes,
  registerRuntimes,
  runtimesAfterHello,
  runtimeWorkspace,
  touchRuntime,
  writeDailyTotals,
} from '../store';
import { parseOrThrow } from '../validate';
import type { Caller, IngestChanges, UsageCommitHook } from './changes';
import { dbFailure } from './db-errors';
import type { IngestCall, IngestItems, IngestKind } from './group-commit';
import type { IngestWriter } from './sharded-writer';
import { fastUsagePayload } from './usage-fast-path';

interface IngestPayloads {
  usage: UsagePayload;
  task: TaskPayload;
}

/** What differs between the reported twins (usage events, tasks): the payload's schema and where its items are. */
const REPORTS: {
  [K in IngestKind]: {
    schema: z.ZodType<IngestPayloads[K]>;
    /** What the schema would return, checked by hand for the common payload; undefined lets the schema decide. */
    fast?: (payload: unknown) => IngestPayloads[K] | undefined;
    items: (payload: IngestPayloads[K]) => IngestItems[K][];
  };
} = {
  usage: { schema: UsagePayload, fast: fastUsagePayload, items: (p: UsagePayload) => p.events },
  task: { schema: TaskPayload, items: (p: TaskPayload) => p.tasks },
};

const OWNER_CACHE_LIMIT = 100_000;

export class IngestService {
  /** runtime id → workspace id; runtimes never change workspace, so positive answers can be kept. */
  private readonly ownerCache = new Map<string, string>();
  /** The counters of accepted reports, resolved once: a labelled inc hashes its labels on every call. */
  private readonly acceptedCounters: Record<IngestKind, { inc(n: number): void }>;

  constructor(
    private readonly db: Database,
    private readonly writer: IngestWriter,
    private readonly changes: IngestChanges,
    private readonly metrics: Metrics,
    private readonly pricer: Pricer,
    private readonly maxRuntimesPerWorkspace = 1_000,
    /** Records what depends on the usage (budget spend) in the same transaction. */
    private readonly onUsageCommit?: UsageCommitHook,
  ) {
    this.acceptedCounters = {
      usage: metrics.events.labels({ kind: 'usage', code: 'ok' }),
      task: metrics.events.labels({ kind: 'task', code: 'ok' }),
    };
  }

  async hello(caller: Caller, payload: unknown, presenceOwner: string): Promise<HelloResult> {
    const hello = this.counted('hello', () => parseOrThrow(HelloPayload, payload));
    const providers = hello.runtimes.map((r) => r.provider);
    if (new Set(providers).size !== providers.length) {
      throw new HubError('invalid_payload', 'runtimes: each provider may appear once per hello');
    }
    const runtimes = await this.counted('hello', () =>
      this.db
        .transaction(async (tx) => {
          const max = this.maxRuntimesPerWorkspace;
          if ((await runtimesAfterHello(tx, caller.workspaceId, hello)) > max)
            throw new HubError(
              'rate_limited',
              `this workspace has reached its cap of ${max} runtimes (MAX_RUNTIMES_PER_WORKSPACE); nothing was registered`,
            );
          return registerRuntimes(tx, caller.workspaceId, hello, presenceOwner);
        })
        .catch((err: unknown) => {
          throw dbFailure(err);
        }),
    );
    for (const rt of runtimes) this.ownerCache.set(rt.id, rt.workspace_id);
    this.afterAnswer(caller, () => this.changes.runtimesRegistered(runtimes));
    this.metrics.events.inc({ kind: 'hello', code: 'ok' }, runtimes.length);
    return { runtimes };
  }

  /** Usage events or tasks, through group commit: resolves with the number accepted once committed. */
  async report<K extends IngestKind>(kind: K, caller: Caller, payload: unknown): Promise<AcceptedResult> {
    const { schema, fast, items } = REPORTS[kind];
    const parsed = fast?.(payload) ?? this.counted(kind, () => parseOrThrow(schema, payload));
    // A runtime already known to be the caller's (every call after a runtime's first) costs no await here.
    if (this.ownerCache.get(parsed.runtime_id) !== caller.workspaceId)
      await this.assertOwned(caller, parsed.runtime_id, kind);
    // The table pairs each kind with its items; TypeScript cannot follow that pairing into the union by itself.
    const call = {
      kind,
      workspaceId: caller.workspaceId,
      runtimeId: parsed.runtime_id,
      items: items(parsed),
      answered: caller.answered,
    } as IngestCall;
    let accepted: number;
    try {
      accepted = await this.writer.submit(call);
    } catch (err) {
      // As `counted`, without a closure and a promise more per call.
      throw this.refused(kind, err);
    }
    this.acceptedCounters[kind].inc(accepted);
    return { accepted };
  }

  /** The older daily-totals format (REST only): each entry replaces that runtime's total for its key. */
  async dailyTotals(
    caller: Caller,
    runtimeId: string,
    payload: unknown,
  ): Promise<{ status: 'ok'; accepted: number }> {
    const { entries } = this.counted('daily_totals', () => parseOrThrow(DailyTotalsPayload, payload));
    await this.assertOwned(caller, runtimeId, 'daily_totals');
    const { deltas, afterCommit } = await this.counted('daily_totals', () =>
      this.db
        .transaction(async (tx) => {
          await lockRuntimes(tx, [runtimeId]);
          const changed = await writeDailyTotals(tx, runtimeId, entries, this.pricer);
          if (changed.length === 0) return { deltas: changed, afterCommit: undefined };
          await bumpUsageVersions(tx, [runtimeId]);
          const owner = new Map([[runtimeId, caller.workspaceId]]);
          return { deltas: changed, afterCommit: await this.onUsageCommit?.(tx, changed, owner) };
        })
        .catch((err: unknown) => {
          throw dbFailure(err);
        }),
    );
    if (deltas.length > 0)
      this.afterAnswer(caller, () => {
        afterCommit?.();
        this.changes.dailyTotalsReplaced(caller.workspaceId, runtimeId, deltas);
      });
    this.metrics.events.inc({ kind: 'daily_totals', code: 'ok' }, entries.length);
    return { status: 'ok', accepted: entries.length };
  }

  /** A REST call keeps its runtime online; one found offline is reported back online. */
  async seen(caller: Caller, runtimeId: string): Promise<void> {
    const revived = await touchRuntime(this.db, runtimeId);
    if (revived) this.afterAnswer(caller, () => this.changes.runtimeStatusChanged(revived));
  }

  /** `not_found` for a runtime of another workspace or none at all: existence never leaks. */
  async assertOwned(caller: Caller, runtimeId: string, kind: string): Promise<void> {
    let owner = this.ownerCache.get(runtimeId);
    if (!owner) {
      owner = await runtimeWorkspace(this.db, runtimeId).catch((err: unknown) => {
        const failure = dbFailure(err);
        this.metrics.events.inc({ kind, code: failure.code });
        throw failure;
      });
      if (owner) {
        if (this.ownerCache.size >= OWNER_CACHE_LIMIT) this.ownerCache.clear();
        this.ownerCache.set(runtimeId, owner);
      }
    }
    if (owner !== caller.workspaceId) {
      this.metrics.events.inc({ kind, code: 'not_found' });
      throw new HubError('not_found', 'runtime not found');
    }
  }

  /** Counts a refused call under its error code, then rethrows it. */
  private counted<T>(kind: string, fn: () => T): T {
    const count = (err: unknown) => {
      throw this.refused(kind, err);
    };
    try {
      const result = fn();
      return (result instanceof Promise ? result.catch(count) : result) as T;
    } catch (err) {
      return count(err);
    }
  }

  /** Counts a refused call under its error code; returns the error to rethrow. */
  private refused(kind: string, err: unknown): unknown {
    this.metrics.events.inc({ kind, code: err instanceof HubError ? err.code : 'internal' });
    return err;
  }

  /** Reports a change once the caller's answer went out (commit → ack → publish). */
  private afterAnswer(caller: Caller, report: () => void): void {
    // The port handles its own failures; this only keeps a broken one from becoming an unhandled rejection.
    caller.answered.then(report).catch(() => {});
  }
}
