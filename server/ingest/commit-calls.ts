/**
 * One group commit's write and its report: the calls of a batch written in one transaction (or one statement when
 * that is all they need), and what it changed told to the ingest port once every call was answered. The queue
 * that forms batches is group-commit.ts.
 */
import type { Pricer } from '../../shared';
import {
  type Database,
  type HourDelta,
  type RuntimeTask,
  type RuntimeUsageCall,
  type StoredTask,
  writeTasks,
  writeUsageCalls,
  writeUsageCallsAlone,
  writeUsageCallsAloneUnread,
} from '../store';
import type { IngestChanges, UsageCommitHook } from './changes';
import type { IngestCall } from './group-commit';

/** What one committed batch changed. */
export interface Committed {
  hourDeltas: HourDelta[];
  tasks: StoredTask[];
  /** runtime id → workspace id, for routing the changes. */
  workspaceOf: Map<string, string>;
  /** What the usage hook asked to run once the commit was answered. */
  afterCommit?: () => void;
  /** Its deltas were not read: no change of its workspaces was published when it started. */
  unread?: boolean;
}

/** What a commit needs of the writer's options. */
export interface CommitDeps {
  changes: IngestChanges;
  pricer: Pricer;
  onUsageCommit?: UsageCommitHook;
}

/** Rows of a commit grouped by runtime, in their order. */
function byRuntime<T extends { runtime_id: string }>(rows: T[]): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const row of rows) {
    const group = groups.get(row.runtime_id);
    if (group) group.push(row);
    else groups.set(row.runtime_id, [row]);
  }
  return groups;
}

/** Writes these calls in one transaction; throws if it did not commit. */
export async function commitCalls(db: Database, calls: IngestCall[], deps: CommitDeps): Promise<Committed> {
  // Events stay as the calls carry them (no copy per event): the encoding adds each one's runtime id.
  const usage: RuntimeUsageCall[] = [];
  const tasks: RuntimeTask[] = [];
  const workspaceOf = new Map<string, string>();
  for (const call of calls) {
    workspaceOf.set(call.runtimeId, call.workspaceId);
    if (call.kind === 'usage') usage.push({ runtimeId: call.runtimeId, events: call.items });
    else for (const t of call.items) tasks.push({ ...t, runtime_id: call.runtimeId });
  }
  const { pricer, onUsageCommit, changes } = deps;
  // Usage only, and nothing the hook must record with it: one statement is the whole transaction (one round
  // trip). A hook that cannot say whether it applies always gets its transaction.
  const hookApplies = onUsageCommit && (onUsageCommit.appliesTo?.(workspaceOf.values()) ?? true);
  const alone = tasks.length === 0 && !hookApplies;
  // Nobody to tell (no dashboard open on a single node): the deltas are not read at all (see reportCommitted).
  if (alone && !(changes.publishes?.(workspaceOf.values()) ?? true)) {
    await writeUsageCallsAloneUnread(db, usage, pricer);
    return { hourDeltas: [], tasks: [], workspaceOf, unread: true };
  }
  if (alone) return { hourDeltas: await writeUsageCallsAlone(db, usage, pricer), tasks: [], workspaceOf };
  return db.transaction(async (tx) => {
    // Usage orders itself per event key (and bumps the usage versions); tasks of a runtime come through one
    // writer only (ShardedWriter), so their order is the order of the calls.
    const hourDeltas = await writeUsageCalls(tx, usage, pricer);
    const storedTasks = await writeTasks(tx, tasks);
    const afterCommit =
      hourDeltas.length > 0 ? await onUsageCommit?.(tx, hourDeltas, workspaceOf) : undefined;
    return { hourDeltas, tasks: storedTasks, workspaceOf, afterCommit };
  });
}

/** Tells the ingest port what a commit changed; call once every call in it was answered. */
export function reportCommitted(
  changes: IngestChanges,
  { hourDeltas, tasks, workspaceOf, afterCommit, unread }: Committed,
): void {
  if (unread) {
    // A dashboard opened since the commit started may have read its answer before the commit: it refetches
    // (the answer then holds this commit). One opened after this point reads the commit over REST.
    const opened = [...new Set(workspaceOf.values())].filter((id) => changes.publishes?.([id]) ?? true);
    if (opened.length > 0) changes.changesUnreported(opened);
    return;
  }
  afterCommit?.();
  for (const [runtimeId, deltas] of byRuntime(hourDeltas))
    changes.usageCommitted(workspaceOf.get(runtimeId)!, runtimeId, deltas);
  for (const [runtimeId, stored] of byRuntime(tasks))
    changes.tasksCommitted(workspaceOf.get(runtimeId)!, runtimeId, stored);
}
