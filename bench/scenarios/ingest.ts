/**
 * Ingest: one load-daemons process against a server (bare, seed pattern or hub), once per load variant (shape,
 * events per call, calls in flight), or against two servers taking turns. Returns what the load generator
 * measured; the caller checks the rows that reached the database.
 */

import { spawnBenchChild } from '../hub';
import { type CommitStats, commitStats, scrapeMetrics } from '../hub-metrics';
import type { DaemonLoadConfig } from '../load-daemons';
import { cpuSeconds } from '../processes';
import type { DaemonResult, ReadyMessage } from '../protocol';
import { type IngestVariant, type Scale, variantId } from '../scale';

export interface IngestRun {
  variant: IngestVariant;
  eventsPerCall: number;
  /** Acked events per second in the measured window. */
  eventsPerS: number;
  result: DaemonResult;
  /** The hub's own view of its commits during the run (hub runs only). */
  commits?: CommitStats;
  /** CPU time the server process used per acked event, whole run (µs); machine-load-robust cost. */
  serverCpuUsPerEvent?: number;
  /** The same per acked call. */
  serverCpuUsPerCall?: number;
}

export async function runDaemonLoad(
  name: string,
  config: Omit<DaemonLoadConfig, 'maxSeconds'>,
): Promise<DaemonResult> {
  const maxSeconds = config.warmupS + config.durationS + 90;
  const child = spawnBenchChild(name, 'load-daemons.ts', { ...config, maxSeconds });
  try {
    await child.next<ReadyMessage>('ready', 60_000);
    return await child.next<DaemonResult>('daemon-result', maxSeconds * 1000);
  } finally {
    await child.stop();
  }
}

/** A server the load runs against: its URL, the daemon token it takes, and its process (for CPU time). */
export interface IngestTarget {
  label: string;
  url: string;
  token: string;
  server: { pid: number; hubMetrics: boolean };
}

/** One load variant against one server. */
async function runVariant(target: IngestTarget, scale: Scale, variant: IngestVariant): Promise<IngestRun> {
  const { label, url, token, server } = target;
  const { eventsPerCall, inflight, shape } = variant;
  const before = server.hubMetrics ? await scrapeMetrics(url) : undefined;
  const cpuBefore = cpuSeconds(server.pid);
  const result = await runDaemonLoad(`load-daemons:${label}:${variantId(variant)}`, {
    url,
    token,
    sockets: scale.ingest.sockets,
    inflight,
    hot: shape === 'hot',
    eventsPerCall,
    warmupS: scale.ingest.warmupS,
    durationS: scale.ingest.durationS,
    totalCalls: scale.ingest.totalCalls,
    callTimeoutMs: 30_000,
  });
  const { seconds, okEvents } = result.measured;
  const cpuAfter = cpuSeconds(server.pid);
  const commits = before ? commitStats(before, await scrapeMetrics(url)) : undefined;
  const cpuUs = cpuBefore !== null && cpuAfter !== null ? (cpuAfter - cpuBefore) * 1e6 : undefined;
  const per = (n: number) => (cpuUs !== undefined && n > 0 ? cpuUs / n : undefined);
  return {
    variant,
    eventsPerCall,
    eventsPerS: seconds > 0 ? okEvents / seconds : 0,
    result,
    commits,
    serverCpuUsPerEvent: per(result.okEvents),
    serverCpuUsPerCall: per(result.okCalls),
  };
}

/** Every load variant against one server, in turn. */
export async function runIngest(target: IngestTarget, scale: Scale): Promise<IngestRun[]> {
  const runs: IngestRun[] = [];
  for (const variant of scale.ingest.variants) runs.push(await runVariant(target, scale, variant));
  return runs;
}

/**
 * Every load variant against each server, the servers taking turns variant by variant (first one, then the other,
 * then the other way round), so a ratio of the two compares runs seconds apart: on a host whose speed drifts
 * minute to minute, a ratio of runs minutes apart measured the drift as much as the servers.
 */
export async function runIngestTakingTurns(targets: IngestTarget[], scale: Scale): Promise<IngestRun[][]> {
  const runs: IngestRun[][] = targets.map(() => []);
  for (const [i, variant] of scale.ingest.variants.entries()) {
    const order = targets.map((_, t) => t);
    if (i % 2 === 1) order.reverse();
    for (const t of order) runs[t]!.push(await runVariant(targets[t]!, scale, variant));
  }
  return runs;
}
