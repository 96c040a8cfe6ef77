/**
 * Fan-out: dashboard sockets (several load-dashboards processes) on one node, a load-daemons producer on the same
 * or another node sending one benchmark event per call, each event its own model `lat-<emit µs>-<n>`, so every
 * event arrives on every dashboard as exactly one delta stamped with its emit time. Deliveries/s are `usage`
 * messages received on all sockets between the first and the last receive; latency is receive − emit per delta.
 */
import { Histogram } from '../histogram';
import { spawnBenchChild } from '../hub';
import { type CommitStats, commitStats, scrapeMetrics } from '../hub-metrics';
import { type Child, cpuSeconds } from '../processes';
import type { DashboardResult, ReadyMessage } from '../protocol';
import { runDaemonLoad } from './ingest';

export interface FanoutOptions {
  label: string;
  producerUrl: string;
  dashboardUrl: string;
  daemonToken: string;
  memberToken: string;
  dashboards: number;
  events: number;
  producerSockets: number;
  inflight: number;
  /** Events per second; absent: as fast as the acks come back. */
  ratePerS?: number;
  /** The process of the dashboards' node, for its CPU time per delivery. */
  dashboardHubPid: number;
  /** How long dashboards may take after the last ack to receive everything. */
  drainS: number;
  /**
   * Seconds of events sent at the same rate before the measured ones and left out of every number: the hubs and the
   * dashboard processes (spawned for each run) start cold, and their first second — JIT compilation and the first
   * old-space collections, 150–300 ms stalls in each process — is start-up, not the steady state asked about.
   */
  warmupS?: number;
}

export interface FanoutResult {
  dashboards: number;
  connected: number;
  eventsAcked: number;
  producerErrors: Record<string, number>;
  deliveries: number;
  deltas: number;
  expectedDeltas: number;
  complete: boolean;
  seconds: number;
  deliveriesPerS: number;
  deltasPerS: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  /** Emit → ack of the producer's calls: the ingest share of the latency. */
  ackP50Ms: number | null;
  ackP99Ms: number | null;
  /** The producing hub's commits during the run. */
  commits: CommitStats;
  /** CPU time of the dashboards' node per delivery (µs), ingest included when it is the same node. */
  hubCpuUsPerDelivery: number | null;
}

/** Sockets per dashboards process: enough processes that receiving is not one process's single thread. */
const processesFor = (dashboards: number) => Math.min(4, Math.max(1, Math.ceil(dashboards / 50)));

export async function runFanout(o: FanoutOptions): Promise<FanoutResult> {
  const n = processesFor(o.dashboards);
  const children: Child[] = [];
  const warmupCalls = Math.round((o.warmupS ?? 0) * (o.ratePerS ?? 0));
  const maxSeconds = 120 + o.drainS + (o.events + warmupCalls) / Math.max(1, o.ratePerS ?? 1000);
  try {
    let connected = 0;
    for (let p = 0; p < n; p++) {
      const sockets = Math.floor(o.dashboards / n) + (p < o.dashboards % n ? 1 : 0);
      children.push(
        spawnBenchChild(`load-dashboards:${o.label}:${p}`, 'load-dashboards.ts', {
          url: o.dashboardUrl,
          token: o.memberToken,
          sockets,
          expectDeltas: o.events,
          maxSeconds,
        }),
      );
    }
    for (const c of children) {
      const ready = await c.next<ReadyMessage>('ready', 120_000);
      if (ready.failed > 0)
        throw new Error(
          `${c.name}: ${ready.failed} dashboards failed to connect ${JSON.stringify(ready.errors)}`,
        );
      connected += ready.connected;
    }
    const results = children.map((c) => c.next<DashboardResult>('dashboard-result', maxSeconds * 1000));
    for (const r of results) r.catch(() => {});
    const before = await scrapeMetrics(o.producerUrl);
    const cpuBefore = cpuSeconds(o.dashboardHubPid);
    const produced = await runDaemonLoad(`load-daemons:${o.label}`, {
      url: o.producerUrl,
      token: o.daemonToken,
      sockets: o.producerSockets,
      inflight: o.inflight,
      eventsPerCall: 1,
      warmupS: 0,
      durationS: 600,
      totalCalls: o.events + warmupCalls,
      warmupCalls,
      ratePerS: o.ratePerS,
      latencyModels: true,
      callTimeoutMs: 30_000,
    });
    const commits = commitStats(before, await scrapeMetrics(o.producerUrl));
    // Every dashboard reports once it has every event; whoever has not by the drain time is asked to report.
    const drain = setTimeout(() => {
      for (const c of children) c.send({ type: 'finish' });
    }, o.drainS * 1000);
    let received: DashboardResult[];
    try {
      received = await Promise.all(results);
    } finally {
      clearTimeout(drain);
    }
    const cpuAfter = cpuSeconds(o.dashboardHubPid);
    const latency = Histogram.from(...received.map((r) => r.latencyUs));
    const first = Math.min(...received.map((r) => r.firstUs).filter((t) => t > 0));
    const last = Math.max(...received.map((r) => r.lastUs));
    const seconds = Number.isFinite(first) && last > first ? (last - first) / 1e6 : 0;
    const deliveries = received.reduce((s, r) => s + r.messages, 0);
    const deltas = received.reduce((s, r) => s + r.deltas, 0);
    return {
      dashboards: o.dashboards,
      connected,
      eventsAcked: produced.okEvents,
      producerErrors: produced.errors,
      deliveries,
      deltas,
      expectedDeltas: produced.okEvents * connected,
      complete: received.every((r) => r.complete),
      seconds,
      deliveriesPerS: seconds > 0 ? deliveries / seconds : 0,
      deltasPerS: seconds > 0 ? deltas / seconds : 0,
      p50Ms: latency.percentileMs(50),
      p99Ms: latency.percentileMs(99),
      maxMs: latency.percentileMs(100),
      ackP50Ms: Histogram.from(produced.ackUs).percentileMs(50),
      ackP99Ms: Histogram.from(produced.ackUs).percentileMs(99),
      commits,
      hubCpuUsPerDelivery:
        cpuBefore !== null && cpuAfter !== null && deliveries > 0
          ? ((cpuAfter - cpuBefore) * 1e6) / deliveries
          : null,
    };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
  }
}
