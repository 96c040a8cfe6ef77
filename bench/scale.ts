/**
 * How big each scenario runs: `full` (the numbers BENCHMARKS.md reports), `quick` (under two minutes) and
 * `tiny` (the smoke test: the harness end to end, no meaningful numbers).
 */

export interface Scale {
  name: 'tiny' | 'quick' | 'full';
  ingest: {
    sockets: number;
    inflight: number;
    eventsPerCall: number[];
    warmupS: number;
    durationS: number;
    /** Count bound per variant (tiny runs stop on it rather than on time). */
    totalCalls?: number;
  };
  fanout: {
    /** Dashboard sockets on one node, one run per entry. */
    dashboards: number[];
    /** Benchmark events sent per run (one delta each on every dashboard). */
    events: number;
    producerSockets: number;
    inflight: number;
  };
  latency: { screens: number; ratePerS: number; durationS: number; producerSockets: number };
  connections: { steps: number[]; perProcess: number };
  rest: { latencyS: number; throughputS: number; connections: number; amount?: number };
  /** Page loads measured in Chromium; 0 skips the browser. */
  webSamples: number;
  historyDays: number;
}

export const SCALES: Record<Scale['name'], Scale> = {
  full: {
    name: 'full',
    ingest: { sockets: 50, inflight: 4, eventsPerCall: [10, 1], warmupS: 2, durationS: 10 },
    fanout: { dashboards: [100, 1000], events: 3000, producerSockets: 50, inflight: 2 },
    latency: { screens: 100, ratePerS: 1000, durationS: 10, producerSockets: 10 },
    connections: { steps: [1000, 5000, 10_000, 20_000], perProcess: 5000 },
    rest: { latencyS: 10, throughputS: 10, connections: 10 },
    webSamples: 10,
    historyDays: 90,
  },
  quick: {
    name: 'quick',
    ingest: { sockets: 50, inflight: 4, eventsPerCall: [10, 1], warmupS: 1, durationS: 3 },
    fanout: { dashboards: [100], events: 2000, producerSockets: 50, inflight: 2 },
    latency: { screens: 100, ratePerS: 1000, durationS: 3, producerSockets: 10 },
    connections: { steps: [1000], perProcess: 5000 },
    rest: { latencyS: 3, throughputS: 3, connections: 10 },
    webSamples: 10,
    historyDays: 90,
  },
  tiny: {
    name: 'tiny',
    ingest: { sockets: 2, inflight: 1, eventsPerCall: [10, 1], warmupS: 0, durationS: 20, totalCalls: 20 },
    fanout: { dashboards: [5], events: 20, producerSockets: 2, inflight: 1 },
    latency: { screens: 5, ratePerS: 100, durationS: 1, producerSockets: 2 },
    connections: { steps: [10], perProcess: 5000 },
    rest: { latencyS: 1, throughputS: 1, connections: 2, amount: 20 },
    webSamples: 0,
    historyDays: 90,
  },
};
