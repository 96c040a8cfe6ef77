/**
 * Diagnostic preload for any Node process of the benchmark (hubs included): with BENCH_TRACE_DIR set, run as
 * `BENCH_TRACE_DIR=/tmp/t NODE_OPTIONS="--import ./bench/loop-trace.mjs" npm run bench -- --quick --only latency`,
 * it records the event loop's stalls (a 2 ms timer late by ≥ 8 ms), GC pauses ≥ 2 ms and the process's TCP writes
 * by far end (Redis, Postgres, other), all with epoch times, into `<dir>/<pid>-<script>.json` when the process ends.
 * `npx tsx bench/latency-trace.ts <dir>` lines them up with the per-event traces of load-daemons and
 * load-dashboards. Plain JavaScript so that it loads into the hubs, which run without tsx.
 */
import { writeFileSync } from 'node:fs';
import net from 'node:net';
import { basename } from 'node:path';
import { monitorEventLoopDelay, PerformanceObserver, performance } from 'node:perf_hooks';

const dir = process.env.BENCH_TRACE_DIR;
if (dir) {
  const now = () => performance.timeOrigin + performance.now();
  const writes = {};
  const writeGeneric = net.Socket.prototype._writeGeneric;
  net.Socket.prototype._writeGeneric = function (writev, data, encoding, cb) {
    const to = this.remotePort === 6379 ? 'redis' : this.remotePort === 5432 ? 'pg' : 'other';
    const key = `${to}:${writev ? 'writev' : 'write'}`;
    writes[key] = (writes[key] ?? 0) + 1;
    return writeGeneric.call(this, writev, data, encoding, cb);
  };
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const stalls = [];
  let last = now();
  setInterval(() => {
    const t = now();
    if (t - last > 8) stalls.push([Math.round(last), Math.round(t - last)]);
    last = t;
  }, 2).unref();
  const gcs = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries())
      if (e.duration >= 2)
        gcs.push([Math.round(performance.timeOrigin + e.startTime), +e.duration.toFixed(1)]);
  }).observe({ entryTypes: ['gc'] });
  let written = false;
  const dump = () => {
    if (written) return;
    written = true;
    const name = basename(process.argv[1] ?? 'node').replace(/[^a-z0-9]+/gi, '_');
    const ms = (ns) => +(ns / 1e6).toFixed(2);
    const loop = { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) };
    const file = `${dir}/${process.pid}-${name}.json`;
    writeFileSync(file, JSON.stringify({ script: name, loop, stalls, gcs, writes }));
  };
  process.on('exit', dump);
  // A process without its own handler would no longer die of the signal once one is added: exit as it would.
  for (const signal of ['SIGTERM', 'SIGINT'])
    process.prependListener(signal, () => {
      dump();
      if (process.listenerCount(signal) === 1) process.exit(0);
    });
}
