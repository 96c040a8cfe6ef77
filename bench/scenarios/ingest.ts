/**
 * Ingest: one load-daemons process against a server (bare, seed pattern or hub), once per load variant (shape,
 * events per call, calls in flight). Returns what the load generator measured; the caller checks the rows that reached the database.
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

export async function runIngest(
  label: string,
  url: string,
  token: string,
  scale: Scale,
  server: { pid: number; hubMetrics: boolean },
): Promise<IngestRun[]> {
  const runs: IngestRun[] = [];
  for (const variant of scale.ingest.variants) {
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
    runs.push({
      variant,
      eventsPerCall,
      eventsPerS: seconds > 0 ? okEvents / seconds : 0,
      result,
      commits,
      serverCpuUsPerEvent: per(result.okEvents),
      serverCpuUsPerCall: per(result.okCalls),
    });
  }
  return runs;
}
