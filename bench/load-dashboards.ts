/**
 * Load generator process: dashboard sockets on `/dashboard` (member token, see raw-dashboard.ts) that count the
 * `usage` messages they receive and, for benchmark events (model `lat-<emit µs>-<n>`, one delta per event), the
 * time from the daemon's emit to this receive. Says `ready` once every socket is connected; says its result when
 * every socket has seen `expectDeltas` benchmark deltas, or when told to `finish`.
 */
import { writeFileSync } from 'node:fs';
import { openMany } from './connect';
import { Histogram } from './histogram';
import { childConfig, type DashboardResult, nowUs, runChild, say } from './protocol';
import { connectRawDashboard } from './raw-dashboard';

export interface DashboardLoadConfig {
  url: string;
  token: string;
  sockets: number;
  expectDeltas: number;
  maxSeconds: number;
}

const config = childConfig<DashboardLoadConfig>();

runChild(async (commands) => {
  const latency = new Histogram();
  const r: DashboardResult = {
    type: 'dashboard-result',
    sockets: 0,
    messages: 0,
    deltas: 0,
    minPerSocket: 0,
    maxPerSocket: 0,
    complete: false,
    firstUs: 0,
    lastUs: 0,
    latencyUs: [],
  };
  const counts = new Array<number>(config.sockets).fill(0);
  let complete = 0;
  let reported = false;
  // BENCH_TRACE_DIR: emit µs → the slowest receive of that event over this process's sockets (latency-trace.ts).
  const tracing = process.env.BENCH_TRACE_DIR !== undefined;
  const trace = new Map<number, number>();
  const report = () => {
    if (reported) return;
    reported = true;
    const seen = counts.slice(0, r.sockets);
    r.minPerSocket = seen.length > 0 ? Math.min(...seen) : 0;
    r.maxPerSocket = seen.length > 0 ? Math.max(...seen) : 0;
    r.complete = r.sockets === config.sockets && complete === r.sockets;
    r.latencyUs = latency.serialize();
    if (tracing)
      writeFileSync(
        `${process.env.BENCH_TRACE_DIR}/deliveries-${process.pid}.json`,
        JSON.stringify([...trace]),
      );
    say(r);
  };

  const onUsage = (i: number) => (emits: number[]) => {
    // Warm-up events (model `warm-…`) carry no emit times: their messages are not counted.
    if (emits.length === 0) return;
    const now = nowUs();
    r.messages++;
    for (const sentUs of emits) {
      latency.record(now - sentUs);
      if (tracing) trace.set(sentUs, Math.max(trace.get(sentUs) ?? 0, now - sentUs));
      r.deltas++;
      if (r.firstUs === 0) r.firstUs = now;
      r.lastUs = now;
      if (++counts[i]! === config.expectDeltas && ++complete === config.sockets) report();
    }
  };
  const { opened, failed, errors } = await openMany(config.sockets, 50, (i) =>
    connectRawDashboard(config.url, config.token, 20_000, onUsage(i)),
  );
  r.sockets = opened.length;
  say({ type: 'ready', connected: opened.length, failed, errors });
  for await (const c of commands) {
    if (c.type === 'finish') {
      report();
      for (const s of opened) s.close();
      process.exit(0);
    }
  }
}, config.maxSeconds);
