/**
 * The port committed changes leave ingest by. Ingest owns it; `realtime/` implements it for the dashboards.
 * Every change is reported after its commit and after its caller's answer was handed over (the socket ack called,
 * the REST reply sent): the order the contract promises is commit → ack → publish. The caller says when its
 * answer went out through `Caller.answered`, so the order holds by construction rather than by timing.
 */
import type { BudgetState, Runtime } from '../../shared';
import type { DateDelta, HourDelta, RuntimeTask, Sql, StoredTask } from '../store';

export type { DateDelta, HourDelta, RuntimeTask, StoredTask };

/** Who makes a call, and when its answer has been handed over. */
export interface Caller {
  workspaceId: string;
  /** Settles once the call's answer (ok or error) has been sent; changes of the call wait for it. */
  answered: Promise<void>;
}

/** Reports are fire-and-forget: an implementation handles (logs) its own failures rather than throwing. */
export interface IngestChanges {
  /** Usage events of one runtime committed: their summed quarter-hour deltas (only the difference of a replaced event). */
  usageCommitted(workspaceId: string, runtimeId: string, deltas: HourDelta[]): void;
  /** Tasks of one runtime committed, as stored, each with what its write changed (see StoredTask). */
  tasksCommitted(workspaceId: string, runtimeId: string, tasks: StoredTask[]): void;
  /** Daily totals of one runtime replaced (the older REST format): the difference per date. */
  dailyTotalsReplaced(workspaceId: string, runtimeId: string, deltas: DateDelta[]): void;
  /** Runtimes registered or updated by a `hello`. */
  runtimesRegistered(runtimes: Runtime[]): void;
  /** A runtime went online or offline (presence, or a REST call that revived it). */
  runtimeStatusChanged(runtime: Runtime): void;
  /** Changes of these workspaces may have been committed without being reported: their dashboards must refetch. */
  changesUnreported(workspaceIds: Iterable<string>): void;
  /** A budget's live state changed (its spend, a threshold crossed, the budget itself). */
  budgetChanged(workspaceId: string, state: BudgetState): void;
  /**
   * Whether a change of any of these workspaces would be published now (absent: always). False lets a usage commit
   * skip reading its deltas; if one of them is published by the time the commit is reported, it reports
   * `changesUnreported` for those workspaces instead.
   */
  publishes?(workspaceIds: Iterable<string>): boolean;
}

/**
 * Called inside a usage commit's transaction, after its writes, with the deltas it caused (runtime id → workspace id
 * in `workspaceOf`): what must be recorded atomically with the usage (budget spend and crossings) is written in
 * `tx`. The function it may return runs once the commit was answered (commit → ack → publish). `appliesTo` says,
 * before a commit, whether the hook has anything to record for its workspaces: when it has not, the commit may be
 * one statement without a transaction block of its own (one round trip instead of three).
 */
export type UsageCommitHook = ((
  tx: Sql,
  deltas: ReadonlyArray<HourDelta | DateDelta>,
  workspaceOf: ReadonlyMap<string, string>,
) => Promise<(() => void) | undefined>) & {
  appliesTo?: (workspaceIds: Iterable<string>) => boolean;
};

/** The signal a caller hands to ingest: `answered` settles once `markAnswered` was called, after the answer went out. */
export function answerSignal(): { answered: Promise<void>; markAnswered: () => void } {
  let markAnswered = () => {};
  const answered = new Promise<void>((resolve) => {
    markAnswered = resolve;
  });
  return { answered, markAnswered };
}
