/**
 * The daemon itself: discover the log files, read them incrementally into the outbox, report sessions as
 * tasks, deliver, and checkpoint the state file. `once` scans, waits for every ack and returns; otherwise it
 * follows the logs (fs.watch where available, polling always) until the signal aborts.
 *
 * Read top to bottom: runDaemon opens a run (DaemonRun: state, scanner, files, delivery), reads the logs
 * (scan-loops.ts), shuts down (last tasks, state saved, delivery drained) and reports what happened.
 */
import { resolve } from 'node:path';
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
  /** --once: give up after this long without an acknowledged step. */
  ackWaitMs?: number;
  helloEveryMs?: number;
  timeoutMs?: number;
  reconnectDelayMs?: number;
}

export interface DaemonResult {
  ok: boolean;
  daemon_id: string;
  runtimes: Record<string, string>;
  sent: { events: number; tasks: number };
  dropped: { events: number; tasks: number };
  pending: { events: number; tasks: number };
  scan: Record<string, ScanCounters>;
  error?: string;
}

export async function runDaemon(o: DaemonOptions): Promise<DaemonResult> {
  const run = await DaemonRun.open(o);
  o.log.info({ daemon_id: run.state.daemonId, state: resolve(o.statePath) }, 'daemon starting');
  await run.files.discover();
  o.log.info({ roots: run.files.roots, files: run.files.list.length }, 'log folders found');
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

function resultOf(run: DaemonRun): DaemonResult {
  const { state, delivery, scanner } = run;
  const stats = delivery.stats;
  // Following logs, stopping with data still queued is normal: it is in the state file for the next start.
  const ok = !run.fatal && (!run.o.once || state.outbox.size === 0);
  const result: DaemonResult = {
    ok,
    daemon_id: state.daemonId,
    runtimes: Object.fromEntries(delivery.runtimeIds),
    sent: { events: stats.events, tasks: stats.tasks },
    dropped: { events: stats.droppedEvents, tasks: stats.droppedTasks },
    pending: { events: state.outbox.eventCount, tasks: state.outbox.taskCount },
    scan: Object.fromEntries(run.providers().map((p) => [p, scanner.countersFor(p as ProviderName)])),
  };
  if (run.fatal) result.error = run.fatal;
  else if (!ok) result.error = 'not everything was acknowledged by the hub';
  return result;
}
