/**
 * Watches one hub process while a scenario runs: `/healthz` timed every 100 ms from outside, and its /metrics
 * scraped every second for its resident memory and the worst event-loop stall since the previous scrape
 * (prom-client's `nodejs_eventloop_lag_max_seconds` restarts at each scrape).
 */
import type { ChaosHub } from './chaos-hub';

export interface Footprint {
  /** Slowest /healthz answer in ms (a failed or timed-out one counts as its timeout). */
  healthzMaxMs: number;
  healthzChecks: number;
  peakRssBytes: number;
  worstLoopStallMs: number;
  /** When the scrape that saw the worst stall was taken, in ms since watching began. */
  worstLoopStallAtMs: number;
}

export function watchFootprint(hub: ChaosHub): { stop(): Promise<Footprint> } {
  const since = Date.now();
  const figures: Footprint = {
    healthzMaxMs: 0,
    healthzChecks: 0,
    peakRssBytes: 0,
    worstLoopStallMs: 0,
    worstLoopStallAtMs: 0,
  };
  let running = true;
  const healthz = (async () => {
    while (running) {
      const started = performance.now();
      try {
        const res = await fetch(`${hub.url}/healthz`, { signal: AbortSignal.timeout(2_000) });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`healthz ${res.status}`);
        figures.healthzMaxMs = Math.max(figures.healthzMaxMs, performance.now() - started);
      } catch {
        figures.healthzMaxMs = Math.max(figures.healthzMaxMs, 2_000);
      }
      figures.healthzChecks += 1;
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const scrape = async () => {
    // One after the other: each scrape restarts the lag histogram, so a concurrent one would read it empty.
    const lag = await hub.metric('nodejs_eventloop_lag_max_seconds');
    const rss = await hub.metric('process_resident_memory_bytes');
    figures.peakRssBytes = Math.max(figures.peakRssBytes, rss);
    if (lag * 1_000 > figures.worstLoopStallMs) {
      figures.worstLoopStallMs = lag * 1_000;
      figures.worstLoopStallAtMs = Date.now() - since;
    }
  };
  const scrapes = (async () => {
    while (running) {
      await scrape().catch(() => {});
      await new Promise((r) => setTimeout(r, 1_000));
    }
  })();
  return {
    async stop() {
      running = false;
      await Promise.all([healthz, scrapes]);
      await scrape().catch(() => {});
      return figures;
    },
  };
}
