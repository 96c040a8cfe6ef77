/**
 * The daemon itself: discover the log files, read them incrementally into the outbox, report sessions as
 * tasks, deliver, and checkpoint the state file. `once` scans, waits for every ack and returns; otherwise it
 * follows the logs (fs.watch where available, polling always) until the signal aborts.
 *
 * Read top to bottom: runDaemon opens a run (DaemonRun: state, scanner, files, delivery), reads the logs
 * (scan-loops.ts), shuts down (last tasks, state saved, delivery drained) and reports what happened, honestly:
 * `ok` only when a hub acknowledged it, with warnings (no logs found) and the items the hub refused.
 */
import { resolve } from 'node:path';
import type { AttributionOptions } from './attribution';
import type { ScanCounters } from './counts';
import { DaemonRun } from './daemon-run';
import type { ProviderName } from './discovery';
import type { Logger } from './log';
import { follow, scanOnce } from './scan-loops';

export interface DaemonOptions {
  url: string;
  token: string;
  statePath: string;
  once: boolean;
  log: Logger;
  claudeDir?: string | undefined;
  codexDir?: string | undefined;
  env?: NodeJS.ProcessEnv;
  home?: string;
  signal?: AbortSignal;
  pollMs?: number;
  discoverMs?: number;
  quietMs?: number;
  /** `--user`, `--project-names`, `--user-names`: what each event says about where and who (attribution.ts). */
  attribution?: AttributionOptions;
  /** Sends the items the hub refused earlier (kept in the state file) again. */
  retryRefused?: boolean;
  /** --once: give up after this long without an acknowledged step. */
  ackWaitMs?: number;
  helloEveryMs?: number;
  timeoutMs?: number;
  reconnectDelayMs?: number;
}

/** Why a run did not succeed; the CLI maps each to its exit code. */
export type DaemonFailure = 'unacknowledged' | 'unauthorized' | 'unreachable';

/** One item the hub refused during the run, as listed in the result (the item itself is in the state file). */
export interface RefusedReport {
  kind: string;
  provider: string;
  id: string;
  code: string;
  message: string;
}

export interface DaemonResult {
  /** True only when a hub acknowledged this daemon and (with --once) everything it read. */
  ok: boolean;
  failure?: DaemonFailure;
  daemon_id: string;
  runtimes: Record<string, string>;
  sent: { events: number; tasks: number };
  /** Items the hub refused: kept aside in the state file (`refused`), never sent again. */
  dropped: { events: number; tasks: number };
  pending: { events: number; tasks: number };
  refused: RefusedReport[];
  scan: Record<string, ScanCounters>;
  warnings: string[];
  error?: string;
}

export async function runDaemon(o: DaemonOptions): Promise<DaemonResult> {
  const run = await DaemonRun.open(o);
  o.log.info({ daemon_id: run.state.daemonId, state: resolve(o.statePath) }, 'daemon starting');
  await run.files.discover();
  o.log.info({ roots: run.files.roots, files: run.files.list.length }, 'log folders found');
  if (run.files.list.length === 0)
    run.warn(`no Claude Code or Codex logs found; looked in ${run.lookedIn().join(', ')}`);
  run.delivery.start();
  try {
    if (o.once) await scanOnce(run);
    else await follow(run);
  } finally {
    await shutdown(run);
  }
  return resultOf(run);
}

/** Queues the last task changes and saves the state both before and after the delivery's last acks. */
async function shutdown(run: DaemonRun): Promise<void> {
  run.queueTasks();
  await run.checkpoint.save(true);
  await run.delivery.stop();
  await run.checkpoint.save(true);
}

/** "1 event", "2 tasks". */
const counted = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/**
 * What went wrong, if anything. Following logs, stopping with data still queued is normal (it is in the state
 * file for the next start); never having reached a hub is not, in either mode.
 */
function failureOf(run: DaemonRun): { failure: DaemonFailure; error: string } | undefined {
  const { delivery, state } = run;
  if (run.fatal) return { failure: 'unauthorized', error: run.fatal };
  if (!delivery.reached)
    return {
      failure: 'unreachable',
      error: delivery.lastFailure ?? `the hub at ${run.o.url} never answered`,
    };
  if (!run.o.once) return undefined;
  if (!delivery.idle) {
    const { eventCount, taskCount } = state.outbox;
    const what = `${counted(eventCount, 'event')} and ${counted(taskCount, 'task')} still pending`;
    return { failure: 'unacknowledged', error: `not everything was acknowledged by the hub (${what})` };
  }
  if (run.refused.length > 0) {
    const { droppedEvents, droppedTasks } = delivery.stats;
    const refused = `${counted(droppedEvents, 'event')} and ${counted(droppedTasks, 'task')}`;
    const error = `the hub refused ${refused}; kept aside in the state file`;
    return { failure: 'unacknowledged', error };
  }
  return undefined;
}

function resultOf(run: DaemonRun): DaemonResult {
  const { state, delivery, scanner } = run;
  const stats = delivery.stats;
  const failed = failureOf(run);
  return {
    ok: !failed,
    ...(failed ? { failure: failed.failure } : {}),
    daemon_id: state.daemonId,
    runtimes: Object.fromEntries(delivery.runtimeIds),
    sent: { events: stats.events, tasks: stats.tasks },
    dropped: { events: stats.droppedEvents, tasks: stats.droppedTasks },
    pending: { events: state.outbox.eventCount, tasks: state.outbox.taskCount },
    refused: run.refused.map((r) => ({
      kind: r.kind,
      provider: r.provider,
      id: r.item.id,
      code: r.code,
      message: r.message,
    })),
    scan: Object.fromEntries(run.providers().map((p) => [p, scanner.countersFor(p as ProviderName)])),
    warnings: run.warnings,
    ...(failed ? { error: failed.error } : {}),
  };
}
