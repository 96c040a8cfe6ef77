/**
 * The two ways a daemon run reads its logs: `scanOnce` reads everything, waits for every ack and returns;
 * `follow` keeps reading what is new (woken by the file watcher, polling always) until the run is stopped.
 */
import type { DaemonRun } from './daemon-run';

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

/** --once: read every file, then wait until the hub has acknowledged everything (or nothing moves for a while). */
export async function scanOnce(run: DaemonRun): Promise<void> {
  const { o, scanner, delivery, checkpoint } = run;
  const signal = run.stop.signal;
  const idleMs = o.ackWaitMs ?? 60_000;
  // The scan pauses whenever the outbox is full; it resumes as acks drain it, or gives up when none come.
  while (!signal.aborted && !(await scanner.scanFiles(run.files.list))) {
    run.queueTasks();
    await checkpoint.save();
    while (scanner.paused() && !signal.aborted) {
      if (Date.now() - delivery.lastProgress > idleMs) return;
      await sleep(50, signal);
    }
    if (signal.aborted) return;
  }
  if (signal.aborted) return;
  run.queueTasks();
  delivery.requestHello(); // final scan counters
  await checkpoint.save(true);
  o.log.info({ pending: run.state.outbox.size }, 'scan done; waiting for acks');
  await Promise.race([delivery.flush(idleMs, idleMs), aborted(signal)]);
}

/** Asks for a hello when the scan counters changed, at most once per `everyMs` (runtime metadata stays fresh). */
function helloOnNewCounters(run: DaemonRun, everyMs: number): () => void {
  let last = Date.now();
  let sentCounters = '';
  return () => {
    const counters = JSON.stringify([...run.scanner.counters]);
    if (counters === sentCounters || Date.now() - last < everyMs) return;
    sentCounters = counters;
    last = Date.now();
    run.delivery.requestHello();
  };
}

/** Follows the logs until the run stops: discovery every `discoverMs`, a pass every `pollMs` or on a change. */
export async function follow(run: DaemonRun): Promise<void> {
  const { o, files, scanner } = run;
  const signal = run.stop.signal;
  const pollMs = o.pollMs ?? 1500;
  const discoverMs = o.discoverMs ?? 15_000;
  const maybeHello = helloOnNewCounters(run, o.helloEveryMs ?? 60_000);
  files.watch();
  let lastDiscover = Date.now();
  try {
    let full = true;
    while (!signal.aborted) {
      const now = Date.now();
      if (now - lastDiscover >= discoverMs) {
        await files.discover();
        files.watch();
        lastDiscover = now;
        full = true;
      }
      await scanner.scanFiles(files.nextPass(full, now));
      full = scanner.paused(); // a paused pass is resumed in full once drained
      run.queueTasks();
      maybeHello();
      await run.checkpoint.save();
      if (run.fatal) return;
      // A pass paused by a full outbox resumes as soon as acks have made room, not a whole poll later.
      await files.restUntilChange(sleep(full ? Math.min(pollMs, 200) : pollMs, signal));
    }
  } finally {
    files.close();
  }
}
