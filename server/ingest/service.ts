/**
 * The daemon's write operations, shared by the socket events and the REST fallback so both have the same
 * semantics: validate with the shared schema, check the runtime belongs to the caller's workspace, write
 * (usage and tasks through group commit), then publish what changed.
 */
import {
  type AcceptedResult,
  DailyTotalsPayload,
  HelloPayload,
  type HelloResult,
  TaskPayload,
  UsagePayload,
} from '../../shared';
import { HubError } from '../errors';
import type { Metrics } from '../observability/metrics';
import type { Publisher } from '../realtime/publisher';
import {
  bumpUsageVersions,
  type Database,
  lockRuntimes,
  registerRuntimes,
  runtimesAfterHello,
  runtimeWorkspace,
  writeDailyTotals,
} from '../store';
import { parseOrThrow } from '../validate';
import { dbFailure } from './db-errors';
import type { IngestWriter } from './sharded-writer';

export interface Caller {
  workspaceId: string;
}

const OWNER_CACHE_LIMIT = 100_000;

export class IngestService {
  /** runtime id → workspace id; runtimes never change workspace, so positive answers can be kept. */
  private readonly ownerCache = new Map<string, string>();

  constructor(
    private readonly db: Database,
    private readonly writer: IngestWriter,
    private readonly publisher: Publisher,
    private readonly metrics: Metrics,
    private readonly maxRuntimesPerWorkspace = 1_000,
  ) {}

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
    for (const rt of runtimes) {
      this.ownerCache.set(rt.id, rt.workspace_id);
      this.publisher.runtime(rt);
    }
    this.metrics.events.inc({ kind: 'hello', code: 'ok' }, runtimes.length);
    return { runtimes };
  }

  async usage(caller: Caller, payload: unknown): Promise<AcceptedResult> {
    const { runtime_id, events } = this.counted('usage', () => parseOrThrow(UsagePayload, payload));
    await this.assertOwned(caller, runtime_id, 'usage');
    const accepted = await this.counted('usage', () =>
      this.writer.submit({ kind: 'usage', workspaceId: caller.workspaceId, runtimeId: runtime_id, events }),
    );
    this.metrics.events.inc({ kind: 'usage', code: 'ok' }, accepted);
    return { accepted };
  }

  async tasks(caller: Caller, payload: unknown): Promise<AcceptedResult> {
    const { runtime_id, tasks } = this.counted('task', () => parseOrThrow(TaskPayload, payload));
    await this.assertOwned(caller, runtime_id, 'task');
    const accepted = await this.counted('task', () =>
      this.writer.submit({ kind: 'task', workspaceId: caller.workspaceId, runtimeId: runtime_id, tasks }),
    );
    this.metrics.events.inc({ kind: 'task', code: 'ok' }, accepted);
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
    const deltas = await this.counted('daily_totals', () =>
      this.db
        .transaction(async (tx) => {
          await lockRuntimes(tx, [runtimeId]);
          const changed = await writeDailyTotals(tx, runtimeId, entries);
          if (changed.length > 0) await bumpUsageVersions(tx, [runtimeId]);
          return changed;
        })
        .catch((err: unknown) => {
          throw dbFailure(err);
        }),
    );
    this.publisher.dailyTotals(caller.workspaceId, runtimeId, deltas);
    this.metrics.events.inc({ kind: 'daily_totals', code: 'ok' }, entries.length);
    return { status: 'ok', accepted: entries.length };
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
      this.metrics.events.inc({ kind, code: err instanceof HubError ? err.code : 'internal' });
      throw err;
    };
    try {
      const result = fn();
      return (result instanceof Promise ? result.catch(count) : result) as T;
    } catch (err) {
      return count(err);
    }
  }
}
