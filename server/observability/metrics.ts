/**
 * Prometheus metrics of one hub instance (its own registry, so several nodes can live in one test process).
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

export function createMetrics(options: { defaultMetrics?: boolean; queueDepth?: () => number } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    connections: new Gauge({
      name: 'hub_socket_connections',
      help: 'Open Socket.IO connections by namespace',
      labelNames: ['namespace'] as const,
      registers,
    }),
    events: new Counter({
      name: 'hub_ingest_events_total',
      help: 'Events (usage events, tasks, hello runtimes, daily totals) by kind and outcome code',
      labelNames: ['kind', 'code'] as const,
      registers,
    }),
    batchSize: new Histogram({
      name: 'hub_ingest_batch_items',
      help: 'Items written per group commit',
      buckets: [1, 5, 10, 50, 100, 500, 1000, 5000],
      registers,
    }),
    commitSeconds: new Histogram({
      name: 'hub_ingest_commit_seconds',
      help: 'Latency of one group commit',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers,
    }),
    queueDepth: new Gauge({
      name: 'hub_ingest_queue_items',
      help: 'Items waiting for a commit',
      registers,
      collect() {
        this.set(options.queueDepth?.() ?? 0);
      },
    }),
    fanout: new Counter({
      name: 'hub_fanout_messages_total',
      help: 'Messages emitted to dashboard rooms by event',
      labelNames: ['event'] as const,
      registers,
    }),
    dashboardDrops: new Counter({
      name: 'hub_dashboard_drops_total',
      help: 'Dashboards dropped for not reading: buffer_full, not_draining or no_pong',
      labelNames: ['reason'] as const,
      registers,
    }),
    budgetsEvaluated: new Counter({
      name: 'hub_budgets_evaluated_total',
      help: 'Budget × usage-delta pairs evaluated in usage commits',
      registers,
    }),
    budgetCrossings: new Counter({
      name: 'hub_budget_crossings_total',
      help: 'Threshold crossings recorded (each once per budget, period and threshold)',
      registers,
    }),
    budgetAlerts: new Counter({
      name: 'hub_budget_alerts_total',
      help: 'Alert webhook sends by result: sent, retry (failed, will retry) or failed (gave up)',
      labelNames: ['result'] as const,
      registers,
    }),
    redisErrors: new Counter({ name: 'hub_redis_errors_total', help: 'Redis client errors', registers }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
