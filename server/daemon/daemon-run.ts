/**
 * Everything one run of the daemon shares: its state file, scanner, log files, delivery and checkpoint, the
 * signal that ends it, the fatal error (a refused token) that ended it early, and what it must report: its
 * warnings and the items the hub refused.
 */
import { resolve } from 'node:path';
import type { WireError } from '../../shared/errors';
import { Attribution } from './attribution';
import { Checkpoint } from './checkpoint';
import type { DaemonOptions } from './daemon';
import { Delivery } from './delivery';
import { candidateRoots, type ProviderName } from './discovery';
import { buildHello } from './hello';
import type { ItemKind } from './item-kinds';
import { LogFiles } from './log-files';
import type { RefusedItem } from './refused-items';
import { Scanner } from './scanner';
import { DaemonState } from './state-file';
import { QUIET_MS } from './tasks';

/** Refused items listed in a run's result; the state file keeps more, the counters count all. */
const REPORTED_REFUSALS = 50;

export class DaemonRun {
  readonly scanner: Scanner;
  readonly files: LogFiles;
  readonly delivery: Delivery;
  readonly checkpoint: Checkpoint;
  /** Aborted by the caller's signal or by a fatal error. */
  readonly stop = new AbortController();
  /** Why the run cannot go on, once it cannot. */
  fatal: string | undefined;
  /** Said on stderr as they happen, and again in the result. */
  readonly warnings: string[] = [];
  /** Items the hub refused during this run (the first `REPORTED_REFUSALS`; all are in the state file). */
  readonly refused: RefusedItem[] = [];

  /** Loads the state file (a missing or broken one starts fresh) and wires the parts; nothing runs yet. */
  static async open(o: DaemonOptions): Promise<DaemonRun> {
    return new DaemonRun(o, await DaemonState.load(resolve(o.statePath), (m) => o.log.warn(m)));
  }

  private constructor(
    readonly o: DaemonOptions,
    readonly state: DaemonState,
  ) {
    this.scanner = new Scanner(state, new Attribution({ env: o.env, ...o.attribution }));
    state.runCounters = () => this.scanner.counters;
    o.signal?.addEventListener('abort', () => this.stop.abort(), { once: true });
    if (o.retryRefused) {
      const n = state.refused.requeue(state.outbox);
      o.log.info({ items: n }, 'items the hub refused earlier queued to be sent again');
    }
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

  /** Every folder looked in for logs (named when none are found). */
  lookedIn(): string[] {
    const { claudeDir, codexDir, env, home } = this.o;
    return [...new Set(candidateRoots({ claudeDir, codexDir, env, home }).map((r) => r.dir))];
  }

  warn(message: string): void {
    this.warnings.push(message);
    this.o.log.warn(message);
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
      onUnauthorized: (m) => this.failFatally(`the hub at ${o.url} refused the daemon token (${m})`),
      onRefused: (kind, provider, items, error) => this.keepRefused(kind, provider, items, error),
    });
  }

  /** Keeps refused items aside in the state, counts them, and sends the new count in a hello. */
  private keepRefused(kind: ItemKind, provider: string, items: object[], error: WireError): void {
    const added = this.state.refused.add(kind, provider, items, error);
    this.scanner.countersFor(provider as ProviderName).refused += items.length;
    this.refused.push(...added.slice(0, Math.max(0, REPORTED_REFUSALS - this.refused.length)));
    this.delivery.requestHello();
  }

  private failFatally(reason: string): void {
    if (this.fatal) return;
    this.fatal = reason;
    this.o.log.error(reason);
    this.stop.abort();
  }
}
