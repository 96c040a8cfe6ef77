/**
 * Everything one run of the daemon shares: its state file, scanner, log files, delivery and checkpoint, the
 * signal that ends it, and the fatal error (a refused token) that ended it early.
 */
import { resolve } from 'node:path';
import { Checkpoint } from './checkpoint';
import type { DaemonOptions } from './daemon';
import { Delivery } from './delivery';
import type { ProviderName } from './discovery';
import { buildHello } from './hello';
import { LogFiles } from './log-files';
import { Scanner } from './scanner';
import { DaemonState } from './state-file';
import { QUIET_MS } from './tasks';

export class DaemonRun {
  readonly scanner: Scanner;
  readonly files: LogFiles;
  readonly delivery: Delivery;
  readonly checkpoint: Checkpoint;
  /** Aborted by the caller's signal or by a fatal error. */
  readonly stop = new AbortController();
  /** Why the run cannot go on, once it cannot. */
  fatal: string | undefined;

  /** Loads the state file (a missing or broken one starts fresh) and wires the parts; nothing runs yet. */
  static async open(o: DaemonOptions): Promise<DaemonRun> {
    return new DaemonRun(o, await DaemonState.load(resolve(o.statePath), (m) => o.log.warn(m)));
  }

  private constructor(
    readonly o: DaemonOptions,
    readonly state: DaemonState,
  ) {
    this.scanner = new Scanner(state);
    state.runCounters = () => this.scanner.counters;
    o.signal?.addEventListener('abort', () => this.stop.abort(), { once: true });
    const folders = { claudeDir: o.claudeDir, codexDir: o.codexDir, env: o.env, home: o.home };
    this.files = new LogFiles(folders, this.scanner);
    this.delivery = this.connectDelivery();
    this.checkpoint = new Checkpoint(state, this.scanner, this.delivery, o.log);
  }

  /** Providers with log files or with data still queued from an earlier run. */
  providers(): string[] {
    const set = new Set<string>(this.state.outbox.providers());
    for (const f of this.files.list) set.add(f.provider);
    return [...set];
  }

  /** Queues the sessions whose reportable state changed (running, or quiet long enough to be completed). */
  queueTasks(): void {
    for (const { provider, task } of this.state.tasks.due(Date.now(), this.o.quietMs ?? QUIET_MS))
      this.state.outbox.putTask(provider, task);
  }

  /** The delivery of this run: its hello carries each provider's lifetime scan counters. */
  private connectDelivery(): Delivery {
    const { o, state, scanner } = this;
    return new Delivery({
      url: o.url,
      token: o.token,
      outbox: state.outbox,
      log: o.log,
      timeoutMs: o.timeoutMs,
      reconnectDelayMs: o.reconnectDelayMs,
      hello: () =>
        buildHello(state.daemonId, this.providers(), (p) =>
          state.lifetimeCounters(p, scanner.countersFor(p as ProviderName)),
        ),
      onUnauthorized: (m) => this.failFatally(`the hub refused the daemon token (${m})`),
    });
  }

  private failFatally(reason: string): void {
    if (this.fatal) return;
    this.fatal = reason;
    this.o.log.error(reason);
    this.stop.abort();
  }
}
