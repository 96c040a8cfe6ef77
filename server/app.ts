/**
 * Builds one hub node from its dependencies: REST (Fastify) and Socket.IO on the same HTTP server, the group-commit
 * writer, presence, and — with REDIS_URL — cross-node fan-out. Tests start several nodes in one process with it.
 */
import { randomUUID } from 'node:crypto';
import pino, { type Logger } from 'pino';
import { Server } from 'socket.io';
import type { ClientToServerEvents, InterServerEvents, ServerToClientEvents } from '../shared';
import { type BudgetOptions, BudgetService, DEFAULT_BUDGET_OPTIONS } from './budgets';
import { trustedProxies } from './client-address';
import type { Config } from './config';
import { budgetRoutes } from './http/budget-routes';
import { daemonRoutes } from './http/daemon-routes';
import { memberRoutes } from './http/member-routes';
import { opsRoutes } from './http/ops-routes';
import type { RouteSpec } from './http/route';
import { bearerAuth, createHttpServer, mountRoutes } from './http/server';
import { IngestService } from './ingest/service';
import { type IngestWriter, ShardedWriter } from './ingest/sharded-writer';
import { createMetrics, type Metrics } from './observability/metrics';
import { otlpRoutes } from './otlp/routes';
import { loadPricer } from './pricing';
import { HandshakeGuard, requireToken } from './realtime/auth';
import { attachDaemonNamespace } from './realtime/daemon-namespace';
import { dashboardChanges } from './realtime/dashboard-changes';
import { attachDashboardNamespace } from './realtime/dashboard-namespace';
import type { HubServer, SocketData } from './realtime/io';
import { PresenceTracker } from './realtime/presence';
import { useRedisAdapter } from './realtime/redis-adapter';
import { DashboardResync } from './realtime/resync';
import { watchRevocations } from './realtime/revocation';
import { SlowConsumerGuard } from './realtime/slow-consumers';
import { coalesceWrites } from './realtime/write-coalescing';
import { type Database, RetentionJob, RuntimeLevelsJob } from './store';
import { VERSION } from './version';

export interface HubDeps {
  config: Config;
  db: Database;
  logger?: Logger;
  /** Process-wide metrics (GC, memory) belong to one hub per process. */
  defaultMetrics?: boolean;
  revocationCheckMs?: number;
  /** Redis channel prefix: nodes of one cluster share it (tests give each cluster its own). */
  redisChannelPrefix?: string;
  /** Rounds of the raw-usage retention job (default hourly); tests shorten it. */
  retention?: { intervalMs: number; firstDelayMs?: number };
  /** Budget polling and recompute timing (tests shorten them). */
  budgets?: Partial<Pick<BudgetOptions, 'pollMs' | 'reconcileGraceMs'>>;
}

export interface Hub {
  readonly nodeId: string;
  readonly metrics: Metrics;
  readonly writer: IngestWriter;
  readonly presence: PresenceTracker;
  readonly io: HubServer;
  /** Starts listening; resolves with the bound port. */
  listen(): Promise<number>;
  /** Graceful stop: refuse new calls, commit and ack what is queued, then close sockets and connections. */
  close(): Promise<void>;
}

export async function createHub(deps: HubDeps): Promise<Hub> {
  const { config, db } = deps;
  const logger = deps.logger ?? pino({ level: config.LOG_LEVEL });
  const nodeId = randomUUID().slice(0, 8);
  const metrics = createMetrics({
    defaultMetrics: deps.defaultMetrics,
    // Read at scrape time, after the writer below exists.
    queueDepth: () => writer.depth(),
  });
  const pricer = loadPricer(config.PRICING_FILE);

  const http = await createHttpServer({
    db,
    logger,
    maxPayloadBytes: config.MAX_PAYLOAD_BYTES,
    corsOrigins: config.CORS_ORIGINS,
    restRatePerMinute: config.REST_RATE_PER_MIN,
    isTrustedProxy: trustedProxies(config.TRUST_PROXY),
  });
  const io = new Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>(
    http.server,
    {
      // Above this the engine drops the connection; between MAX_PAYLOAD_BYTES and it a call gets `too_large`.
      maxHttpBufferSize: config.MAX_PAYLOAD_BYTES * 4,
      cors: config.CORS_ORIGINS.length > 0 ? { origin: config.CORS_ORIGINS } : undefined,
      serveClient: false,
    },
  );
  const redis = config.REDIS_URL
    ? useRedisAdapter(io, config.REDIS_URL, logger, metrics, deps.redisChannelPrefix ?? 'runtime-hub', () =>
        resync.resyncAllLocal(),
      )
    : undefined;
  const daemons = io.of('/daemon');
  const dashboards = io.of('/dashboard');
  coalesceWrites(dashboards);
  const resync = new DashboardResync(io, db, logger, redis !== undefined);
  // Ingest's output port: every committed change reaches the dashboards through it, after its caller's answer.
  const changes = dashboardChanges(dashboards, resync, metrics, logger, redis !== undefined);
  const budgets = new BudgetService(db, changes, metrics, logger, {
    ...DEFAULT_BUDGET_OPTIONS,
    ...deps.budgets,
    webhookTimeoutMs: config.BUDGET_WEBHOOK_TIMEOUT_MS,
    nodeId,
    version: VERSION,
  });

  const writer = new ShardedWriter(db, config.INGEST_WRITERS, {
    maxQueuedItems: config.INGEST_MAX_QUEUE,
    maxBatchItems: config.INGEST_MAX_BATCH,
    lingerMs: config.INGEST_LINGER_MS,
    pipeline: config.INGEST_PIPELINE,
    changes,
    pricer,
    onUsageCommit: budgets.onUsageCommit,
    observe: ({ items, seconds }) => {
      metrics.batchSize.observe(items);
      metrics.commitSeconds.observe(seconds);
    },
    onError: (err) => logger.warn({ err }, 'group commit or its report failed'),
  });

  const ingest = new IngestService(
    db,
    writer,
    changes,
    metrics,
    pricer,
    config.MAX_RUNTIMES_PER_WORKSPACE,
    budgets.onUsageCommit,
  );
  const presence = new PresenceTracker(
    db,
    {
      heartbeatMs: config.PRESENCE_HEARTBEAT_MS,
      sweepMs: config.PRESENCE_SWEEP_MS,
      timeoutMs: config.PRESENCE_TIMEOUT_MS,
    },
    changes,
    logger,
  );

  const routes: RouteSpec[] = [
    ...memberRoutes(db, pricer),
    ...budgetRoutes(budgets),
    ...daemonRoutes(ingest),
    ...opsRoutes({ db, metrics, redisPing: redis?.ping, routes: () => routes, version: VERSION }),
  ];
  mountRoutes(http, routes, db);
  // OTLP/HTTP (/v1/logs, /v1/metrics, /v1/traces): its own scope, body parsers and error bodies.
  await http.register(
    otlpRoutes({ db, ingest, authenticate: bearerAuth(db), maxPayloadBytes: config.MAX_PAYLOAD_BYTES }),
  );

  const guard = new HandshakeGuard({
    handshakesPerSecond: config.HANDSHAKE_RATE_PER_S,
    maxConnectionsPerAddress: config.MAX_CONNECTIONS_PER_ADDRESS,
    maxConnectionsPerToken: config.MAX_CONNECTIONS_PER_TOKEN,
    isTrustedProxy: trustedProxies(config.TRUST_PROXY),
  });
  guard.attach(io);
  requireToken(daemons, db, 'daemon', guard);
  requireToken(dashboards, db, 'member', guard);
  attachDaemonNamespace(daemons, {
    ingest,
    presence,
    metrics,
    options: { nodeId, maxPayloadBytes: config.MAX_PAYLOAD_BYTES, callsPerSecond: config.DAEMON_RATE_PER_S },
  });
  const slowConsumers = new SlowConsumerGuard({
    maxBufferBytes: config.DASHBOARD_MAX_BUFFER_BYTES,
    drainTimeoutMs: config.DASHBOARD_DRAIN_TIMEOUT_MS,
    checkMs: Math.min(1_000, config.DASHBOARD_DRAIN_TIMEOUT_MS),
    heartbeat: () => io.engine.opts as { pingInterval: number; pingTimeout: number },
    onDrop: (reason) => metrics.dashboardDrops.inc({ reason }),
  });
  attachDashboardNamespace(dashboards, metrics, slowConsumers);

  const retention = new RetentionJob(
    db,
    { days: config.RAW_RETENTION_DAYS, intervalMs: 3_600_000, ...deps.retention },
    logger,
  );
  // Brings the runtime usage levels up to the current hour (at start, then each minute: a no-op until the hour turns).
  const runtimeLevels = new RuntimeLevelsJob(db, 60_000, logger);

  let stopRevocations = () => {};
  return {
    nodeId,
    metrics,
    writer,
    presence,
    io,
    async listen() {
      // Before the first usage commit: a commit must know every budget of its workspace.
      await budgets.start();
      await http.listen({ port: config.PORT, host: config.HOST });
      presence.start();
      slowConsumers.start();
      stopRevocations = watchRevocations(io, db, deps.revocationCheckMs ?? 2_000, logger);
      retention.start();
      runtimeLevels.start();
      const address = http.server.address();
      return typeof address === 'object' && address ? address.port : config.PORT;
    },
    async close() {
      stopRevocations();
      await retention.stop();
      await runtimeLevels.stop();
      presence.stop();
      slowConsumers.stop();
      resync.stop();
      await writer.drain();
      await budgets.stop();
      io.close();
      // This node's sockets only: through the Redis adapter a plain disconnectSockets reaches every node.
      for (const ns of [daemons, dashboards]) ns.local.disconnectSockets(true);
      await presence.releaseAll();
      await http.close();
      await redis?.close();
    },
  };
}
