/**
 * How big each scenario runs: `full` (the numbers BENCHMARKS.md reports), `quick` (under two minutes) and
 * `tiny` (the smoke test: the harness end to end, no meaningful numbers).
 */

/**
 * One load shape: `fleet` gives every socket its own runtime (a fleet of daemons); `hot` feeds one runtime from
 * every socket (one busy machine). `inflight` calls outstanding per socket: 1 is a daemon that waits for each ack.
 */
export interface IngestVariant {
  shape: 'fleet' | 'hot';
  eventsPerCall: number;
  inflight: number;
}

/** The variants the issue asks for: both shapes at 10 events/call with 1 and 4 calls in flight, and 1 event/call. */
const VARIANTS: IngestVariant[] = [
  { shape: 'fleet', eventsPerCall: 10, inflight: 1 },
  { shape: 'hot', eventsPerCall: 10, inflight: 1 },
  { shape: 'fleet', eventsPerCall: 10, inflight: 4 },
  { shape: 'hot', eventsPerCall: 10, inflight: 4 },
  { shape: 'fleet', eventsPerCall: 1, inflight: 4 },
];

/** A variant's short name in row ids and process names. */
export const variantId = (v: IngestVariant) => `${v.shape}_${v.eventsPerCall}_x${v.inflight}`;

export interface Scale {
  name: 'tiny' | 'quick' | 'full';
  ingest: {
    sockets: number;
    /** One load run per variant, against the bare server, the seed-pattern server and the hub alike. */
    variants: IngestVariant[];
    warmupS: number;
    durationS: number;
    /** Count bound per variant (tiny runs stop on it rather than on time). */
    totalCalls?: number;
  };
  /** Commit latency of the group-commit writer alone: `samples` commits of each batch size, one at a time. */
  commit: { batchSizes: number[]; samples: number };
  fanout: {
    /** Dashboard sockets on one node, one run per entry. */
    dashboards: number[];
    /** Benchmark events sent per run (one delta each on every dashboard). */
    events: number;
    producerSockets: number;
    inflight: number;
  };
  /** Emit → dashboard across two nodes: one run per rate (the goal is set at 200 events/s). */
  latency: {
    screens: number;
    ratesPerS: number[];
    durationS: number;
    producerSockets: number;
    /** Seconds sent at the same rate before the measured ones (see FanoutOptions.warmupS). */
    warmupS: number;
  };
  connections: { steps: number[]; perProcess: number };
  rest: { latencyS: number; throughputS: number; connections: number; amount?: number };
  /** REST history by project and user: days of 8 models × 50 projects × 20 users (issue 17). */
  attribution: { days: number; latencyS: number; amount?: number };
  /** Page loads measured in Chromium; 0 skips the browser. */
  webSamples: number;
  historyDays: number;
  /** The scale scenario (bench/scale-history.ts): history seeded to each size in turn, then measured. */
  history: {
    /** Events stored at each step (cumulative), over 365 days, 200 runtimes, 10 models. */
    sizes: number[];
    /** Calls per view, each after one new event (uncached), then the same call again (cached). */
    uncachedSamples: number;
    cachedSamples: number;
    /** A view stops sampling after this long (at least 2 samples): a slow view is measured, not waited for. */
    viewBudgetS: number;
    ingestWarmupS: number;
    ingestS: number;
    ingestCalls?: number;
    /** Keep `EXPLAIN (ANALYZE, BUFFERS)` of each view at each size. */
    explain: boolean;
    /** At the largest size, one retention round keeping this many days, under ingest (absent: skipped). */
    retentionDays?: number;
  };
}

export const SCALES: Record<Scale['name'], Scale> = {
  full: {
    name: 'full',
    ingest: { sockets: 50, variants: VARIANTS, warmupS: 2, durationS: 10 },
    commit: { batchSizes: [10, 100, 500], samples: 300 },
    fanout: { dashboards: [100, 1000], events: 3000, producerSockets: 50, inflight: 2 },
    latency: { screens: 100, ratesPerS: [200, 1000], durationS: 10, producerSockets: 10, warmupS: 2 },
    connections: { steps: [1000, 5000, 10_000, 20_000], perProcess: 5000 },
    rest: { latencyS: 10, throughputS: 10, connections: 10 },
    attribution: { days: 90, latencyS: 10 },
    webSamples: 10,
    historyDays: 90,
    history: {
      sizes: [1_000_000, 5_000_000],
      uncachedSamples: 30,
      cachedSamples: 100,
      viewBudgetS: 60,
      ingestWarmupS: 2,
      ingestS: 10,
      explain: true,
      retentionDays: 300,
    },
  },
  quick: {
    name: 'quick',
    ingest: { sockets: 50, variants: VARIANTS, warmupS: 1, durationS: 3 },
    commit: { batchSizes: [10, 100, 500], samples: 100 },
    fanout: { dashboards: [100], events: 2000, producerSockets: 50, inflight: 2 },
    latency: { screens: 100, ratesPerS: [200, 1000], durationS: 3, producerSockets: 10, warmupS: 2 },
    connections: { steps: [1000], perProcess: 5000 },
    rest: { latencyS: 3, throughputS: 3, connections: 10 },
    attribution: { days: 90, latencyS: 3 },
    webSamples: 10,
    historyDays: 90,
    history: {
      sizes: [1_000_000],
      uncachedSamples: 20,
      cachedSamples: 50,
      viewBudgetS: 30,
      ingestWarmupS: 1,
      ingestS: 5,
      explain: true,
      retentionDays: 300,
    },
  },
  tiny: {
    name: 'tiny',
    ingest: { sockets: 2, variants: VARIANTS, warmupS: 0, durationS: 20, totalCalls: 20 },
    commit: { batchSizes: [10, 100], samples: 5 },
    fanout: { dashboards: [5], events: 20, producerSockets: 2, inflight: 1 },
    latency: { screens: 5, ratesPerS: [100], durationS: 1, producerSockets: 2, warmupS: 0.5 },
    connections: { steps: [10], perProcess: 5000 },
    rest: { latencyS: 1, throughputS: 1, connections: 2, amount: 20 },
    attribution: { days: 2, latencyS: 1, amount: 20 },
    webSamples: 0,
    historyDays: 90,
    history: {
      sizes: [2_000],
      uncachedSamples: 2,
      cachedSamples: 2,
      viewBudgetS: 5,
      ingestWarmupS: 0,
      ingestS: 20,
      ingestCalls: 20,
      explain: true,
      retentionDays: 300,
    },
  },
};
