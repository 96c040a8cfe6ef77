/**
 * Load generator process: daemon sockets on `/daemon` that register with `hello`, then send `usage` calls —
 * as fast as the acks allow with `inflight` calls outstanding per socket, or paced at `ratePerS` events/s —
 * for a runtime each (a fleet) or all for one (`hot`),
 * until the time or the call count is reached. Reports calls, acks by code and ack times. The same process
 * drives the bare server, the seed-pattern server and the hub, so all three see the same clients and payloads.
 */
import { writeFileSync } from 'node:fs';
import type { Socket } from 'socket.io-client';
import { syntheticEvent } from '../server/daemon/simulate';
import type { AcceptedResult, Ack, HelloResult, UsageEvent } from '../shared';
import { connectSocket, countInto, openMany } from './connect';
import { Histogram } from './histogram';
import { childConfig, type DaemonResult, nowUs, runChild, say } from './protocol';

export interface DaemonLoadConfig {
  url: string;
  token: string;
  sockets: number;
  /** Calls outstanding per socket (in paced runs: the most a socket may have before a call waits). */
  inflight: number;
  eventsPerCall: number;
  warmupS: number;
  durationS: number;
  /** Stop after this many calls in all (warm-up included). */
  totalCalls?: number;
  /** Events per second over all sockets; absent: as fast as the acks come back. */
  ratePerS?: number;
  /** Every socket reports for the runtime of the first one (one hot runtime) instead of its own. */
  hot?: boolean;
  /** Give each event its own model `lat-<emit µs>-<n>`: a dashboard sees every event as its own delta. */
  latencyModels?: boolean;
  /**
   * The first this many calls (of `totalCalls`) warm the hubs and the dashboards' receive path up: their events'
   * models are `warm-…` (dashboards do not count them) and their acks are not in `ackUs`, `okCalls` or `okEvents`.
   */
  warmupCalls?: number;
  callTimeoutMs: number;
  maxSeconds: number;
}

interface Daemon {
  socket: Socket;
  runtimeId: string;
  inflight: number;
}

const config = childConfig<DaemonLoadConfig>();

runChild(async () => {
  const {
    opened,
    failed,
    errors: connectErrors,
  } = await openMany(config.sockets, 50, async (i) => {
    const socket = await connectSocket(`${config.url}/daemon`, config.token, 20_000);
    const ack = (await socket.timeout(config.callTimeoutMs).emitWithAck('hello', {
      daemon_id: crypto.randomUUID(),
      device_info: `bench load-daemons ${process.pid}`,
      runtimes: [{ provider: 'claude', name: `bench-${process.pid}-${i}`, runtime_mode: 'local' }],
    })) as Ack<HelloResult>;
    if (!ack.ok) throw new Error(`hello refused: ${ack.error.code}`);
    return { socket, runtimeId: ack.data.runtimes[0]!.id, inflight: 0 } satisfies Daemon;
  });
  say({ type: 'ready', connected: opened.length, failed, errors: connectErrors });
  if (opened.length === 0) throw new Error(`no daemon socket connected: ${JSON.stringify(connectErrors)}`);

  // One hot runtime: every socket reports for the first socket's runtime (the token's workspace owns it).
  if (config.hot) for (const d of opened) d.runtimeId = opened[0]!.runtimeId;

  let seq = 0;
  const events = (n: number, warmup: boolean): UsageEvent[] => {
    const at = new Date();
    return Array.from({ length: n }, () => {
      const e = syntheticEvent('claude', Math.random, at);
      if (!config.latencyModels) return e;
      const k = seq++;
      return { ...e, id: `lat-${process.pid}-${k}`, model: `${warmup ? 'warm' : 'lat'}-${nowUs()}-${k}` };
    });
  };

  const r: DaemonResult = {
    type: 'daemon-result',
    sockets: opened.length,
    calls: 0,
    okCalls: 0,
    events: 0,
    okEvents: 0,
    errors: {},
    measured: { seconds: 0, okEvents: 0, okCalls: 0 },
    lagged: 0,
    ackUs: [],
  };
  const acks = new Histogram();
  // BENCH_TRACE_DIR: [emit µs of the call's first event, emit → ack µs] per acked call (bench/latency-trace.ts).
  const tracing = process.env.BENCH_TRACE_DIR !== undefined;
  const ackTrace: [number, number][] = [];
  const limit = config.totalCalls ?? Number.POSITIVE_INFINITY;
  let issued = 0;
  let settled = 0;
  let allSettled: () => void = () => {};
  const everySettled = new Promise<void>((resolve) => {
    allSettled = resolve;
  });

  const call = (d: Daemon): Promise<void> => {
    const warmup = issued < (config.warmupCalls ?? 0);
    issued++;
    d.inflight++;
    const payload = { runtime_id: d.runtimeId, events: events(config.eventsPerCall, warmup) };
    const started = performance.now();
    const stampUs = Number(payload.events[0]?.model.split('-')[1]) || nowUs();
    return new Promise<void>((resolve) => {
      d.socket
        .timeout(config.callTimeoutMs)
        .emit('usage', payload, (err: Error | null, ack: Ack<AcceptedResult>) => {
          d.inflight--;
          r.calls++;
          r.events += payload.events.length;
          if (err) countInto(r.errors, 'timeout');
          else if (!ack.ok) countInto(r.errors, ack.error.code);
          else if (ack.data.accepted !== payload.events.length) countInto(r.errors, 'accepted_mismatch');
          else if (!warmup) {
            r.okCalls++;
            r.okEvents += payload.events.length;
            acks.record((performance.now() - started) * 1000);
            if (tracing) ackTrace.push([stampUs, nowUs() - stampUs]);
          }
          settled++;
          if (stopped && settled === issued) allSettled();
          resolve();
        });
    });
  };

  let stopped = false;
  const start = performance.now();
  let mark = { t: start, okEvents: 0, okCalls: 0 };
  const warm = setTimeout(() => {
    mark = { t: performance.now(), okEvents: r.okEvents, okCalls: r.okCalls };
  }, config.warmupS * 1000);
  const closeWindow = () => {
    if (r.measured.seconds > 0) return;
    const t = performance.now();
    r.measured = {
      seconds: (t - mark.t) / 1000,
      okEvents: r.okEvents - mark.okEvents,
      okCalls: r.okCalls - mark.okCalls,
    };
  };
  const stop = () => {
    if (stopped) return;
    stopped = true;
    if (settled === issued) allSettled();
  };
  const timer = setTimeout(
    () => {
      closeWindow();
      stop();
    },
    (config.warmupS + config.durationS) * 1000,
  );

  if (config.ratePerS === undefined) {
    const worker = async (d: Daemon) => {
      while (!stopped && issued < limit) await call(d);
      if (issued >= limit) stop();
    };
    for (const d of opened) for (let k = 0; k < config.inflight; k++) void worker(d);
  } else {
    const perCall = config.eventsPerCall;
    const rate = config.ratePerS;
    let next = 0;
    const tick = setInterval(() => {
      if (stopped) return clearInterval(tick);
      const due = Math.min(limit, Math.floor((((performance.now() - start) / 1000) * rate) / perCall));
      while (issued < due) {
        let d: Daemon | undefined;
        for (let k = 0; k < opened.length && !d; k++) {
          const cand = opened[(next + k) % opened.length]!;
          if (cand.inflight < config.inflight) d = cand;
        }
        if (!d) {
          r.lagged++;
          break;
        }
        next = (opened.indexOf(d) + 1) % opened.length;
        void call(d);
      }
      if (issued >= limit) {
        clearInterval(tick);
        stop();
      }
    }, 1);
  }

  await everySettled;
  closeWindow();
  clearTimeout(timer);
  clearTimeout(warm);
  r.ackUs = acks.serialize();
  if (tracing)
    writeFileSync(`${process.env.BENCH_TRACE_DIR}/acks-${process.pid}.json`, JSON.stringify(ackTrace));
  say(r);
  for (const d of opened) d.socket.close();
  process.exit(0);
}, config.maxSeconds);
