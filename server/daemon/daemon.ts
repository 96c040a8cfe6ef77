/**
 * The daemon itself: discover the log files, read them incrementally into the outbox, report sessions as
 * tasks, deliver, and checkpoint the state file. `once` scans, waits for every ack and returns; otherwise it
 * follows the logs (fs.watch where available, polling always) until the signal aborts.
 */
import { type FSWatcher, watch } from 'node:fs';
import { resolve } from 'node:path';
import type { ScanCounters } from './counts';
import { Delivery } from './delivery';
import { type LogRoot, listJsonl, type ProviderName, resolveRoots } from './discovery';
import { buildHello } from './hello';
import type { Logger } from './log';
import { Scanner } from './scanner';
import { DaemonState } from './state-file';
import { QUIET_MS } from './tasks';

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

/** Resolves when the signal aborts, at once if it already has. */
function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((r) => signal.addEventListener('abort', () => r(), { once: true }));
}

/** Resolves after `ms`, or earlier when the signal aborts (removing its listener either way). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

export async function runDaemon(o: DaemonOptions): Promise<DaemonResult> {
  const log = o.log;
  const state = await DaemonState.load(resolve(o.statePath), (m) => log.warn(m));
  const scanner = new Scanner(state);
  state.runCounters = () => scanner.counters;
  let fatal: string | undefined;
  const stop = new AbortController();
  o.signal?.addEventListener('abort', () => stop.abort(), { once: true });
  let roots: LogRoot[] = [];
  let files: { provider: ProviderName; path: string }[] = [];

  const providers = () => {
    const set = new Set<string>(state.outbox.providers());
    for (const f of files) set.add(f.provider);
    return [...set];
  };
  const delivery = new Delivery({
    url: o.url,
    token: o.token,
    outbox: state.outbox,
    log,
    timeoutMs: o.timeoutMs,
    reconnectDelayMs: o.reconnectDelayMs,
    hello: () =>
      buildHello(state.daemonId, providers(), (p) =>
        state.lifetimeCounters(p, scanner.countersFor(p as ProviderName)),
      ),
    onUnauthorized: (m) => {
      if (fatal) return;
      fatal = `the hub refused the daemon token (${m})`;
      log.error(fatal);
      stop.abort();
    },
  });

  let lastSave = 0;
  let savedFingerprint = '';
  // What the state file depends on; a follow loop that saw nothing new does not rewrite it.
  const fingerprint = () => {
    let bytes = 0;
    for (const c of scanner.counters.values()) bytes += c.bytes + c.lines;
    const st = delivery.stats;
    return `${bytes}:${state.outbox.size}:${st.events}:${st.tasks}:${st.droppedEvents}:${st.droppedTasks}:${state.tasks.changes}`;
  };
  const save = async (force = false) => {
    if (!force && Date.now() - lastSave < 2000) return;
    const fp = fingerprint();
    if (!force && fp === savedFingerprint) return;
    savedFingerprint = fp;
    lastSave = Date.now();
    await state.save().catch((err: Error) => log.error({ err: err.message }, 'cannot write the state file'));
  };
  const queueTasks = () => {
    for (const { provider, task } of state.tasks.due(Date.now(), o.quietMs ?? QUIET_MS))
      state.outbox.putTask(provider, task);
  };
  const discover = async () => {
    roots = await resolveRoots({ claudeDir: o.claudeDir, codexDir: o.codexDir, env: o.env, home: o.home });
    const next: typeof files = [];
    for (const r of roots)
      for (const path of await listJsonl(r.dir)) next.push({ provider: r.provider, path });
    files = next;
    scanner.setKnown(files);
  };

  log.info({ daemon_id: state.daemonId, state: resolve(o.statePath) }, 'daemon starting');
  await discover();
  log.info({ roots, files: files.length }, 'log folders found');
  delivery.start();
  try {
    if (o.once) await runOnce();
    else await follow();
  } finally {
    queueTasks();
    await save(true);
    await delivery.stop();
    await save(true);
  }
  // Following logs, stopping with data still queued is normal: it is in the state file for the next start.
  const ok = !fatal && (!o.once || state.outbox.size === 0);
  const result: DaemonResult = {
    ok,
    daemon_id: state.daemonId,
    runtimes: Object.fromEntries(delivery.runtimeIds),
    sent: { events: delivery.stats.events, tasks: delivery.stats.tasks },
    dropped: { events: delivery.stats.droppedEvents, tasks: delivery.stats.droppedTasks },
    pending: { events: state.outbox.eventCount, tasks: state.outbox.taskCount },
    scan: Object.fromEntries(providers().map((p) => [p, scanner.countersFor(p as ProviderName)])),
  };
  if (fatal) result.error = fatal;
  else if (!ok) result.error = 'not everything was acknowledged by the hub';
  return result;

  async function runOnce(): Promise<void> {
    const idleMs = o.ackWaitMs ?? 60_000;
    // The scan pauses whenever the outbox is full; it resumes as acks drain it, or gives up when none come.
    while (!stop.signal.aborted && !(await scanner.scanFiles(files))) {
      queueTasks();
      await save();
      while (scanner.paused() && !stop.signal.aborted) {
        if (Date.now() - delivery.lastProgress > idleMs) return;
        await sleep(50, stop.signal);
      }
      if (stop.signal.aborted) return;
    }
    if (stop.signal.aborted) return;
    queueTasks();
    delivery.requestHello(); // final scan counters
    await save(true);
    log.info({ pending: state.outbox.size }, 'scan done; waiting for acks');
    await Promise.race([delivery.flush(idleMs, idleMs), aborted(stop.signal)]);
  }

  async function follow(): Promise<void> {
    const pollMs = o.pollMs ?? 1500;
    const discoverMs = o.discoverMs ?? 15_000;
    const helloEveryMs = o.helloEveryMs ?? 60_000;
    const flagged = new Map<string, ProviderName>();
    let watchers: FSWatcher[] = [];
    let wake: (() => void) | null = null;
    let armedFor = '';
    const arm = () => {
      // Re-created only when the roots change: a recursive watch sets up one inotify watch per folder.
      const key = JSON.stringify(roots);
      if (key === armedFor) return;
      armedFor = key;
      for (const w of watchers) w.close();
      watchers = [];
      for (const r of roots) {
        try {
          const w = watch(r.dir, { recursive: true }, (_e, name) => {
            if (name?.toString().endsWith('.jsonl')) flagged.set(resolve(r.dir, name.toString()), r.provider);
            wake?.();
          });
          w.on('error', () => {
            w.close();
            armedFor = ''; // try again at the next discovery; polling covers the gap
          });
          watchers.push(w);
        } catch {
          // No recursive watch here (or no inotify slots): polling alone still finds everything.
        }
      }
    };
    arm();
    let lastDiscover = Date.now();
    let lastHello = Date.now();
    let helloCounters = '';
    try {
      let full = true;
      while (!stop.signal.aborted) {
        const now = Date.now();
        if (now - lastDiscover >= discoverMs) {
          await discover();
          arm();
          lastDiscover = now;
          full = true;
        }
        // A file created since the last discovery is picked up at once from the watcher's report.
        const knownPaths = new Set(files.map((f) => f.path));
        const created = [...flagged].filter(([p]) => !knownPaths.has(p));
        if (created.length) {
          files = [...files, ...created.map(([path, provider]) => ({ provider, path }))].sort((a, b) =>
            a.path < b.path ? -1 : 1,
          );
          scanner.setKnown(files);
        }
        const batch = full
          ? files
          : files.filter(
              (f) => flagged.has(f.path) || now - (scanner.lastRead.get(f.path) ?? 0) < 10 * 60_000,
            );
        flagged.clear();
        await scanner.scanFiles(batch);
        full = scanner.paused(); // a paused pass is resumed in full once drained
        queueTasks();
        const counters = JSON.stringify([...scanner.counters]);
        if (counters !== helloCounters && Date.now() - lastHello >= helloEveryMs) {
          helloCounters = counters;
          lastHello = Date.now();
          delivery.requestHello();
        }
        await save();
        if (fatal) return;
        // A pass paused by a full outbox resumes as soon as acks have made room, not a whole poll later.
        const wait = full ? Math.min(pollMs, 200) : pollMs;
        await Promise.race([new Promise<void>((r) => (wake = r)), sleep(wait, stop.signal)]);
        wake = null;
      }
    } finally {
      for (const w of watchers) w.close();
    }
  }
}
