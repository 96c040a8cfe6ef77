/**
 * Hub configuration from the environment, parsed once with zod. A bad value stops start-up with a one-line
 * message naming the variable, so an operator never runs on a silently replaced default.
 */
import { z } from 'zod';
import { isAddressOrSubnet } from './client-address';

const port = z.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === '' ? undefined : v.trim()));

export const ConfigSchema = z.object({
  PORT: z.string().regex(/^\d+$/, 'must be a port number').default('3000').transform(Number).pipe(port),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATABASE_URL: optionalString.pipe(z.url().optional()),
  DATA_DIR: z.string().min(1).default('./data'),
  REDIS_URL: optionalString.pipe(z.url().optional()),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** JSON file of model prices overriding the built-in table (USD per million tokens). */
  PRICING_FILE: optionalString,
  /** Origins allowed to call the API from a browser (comma-separated); same-origin always works. */
  CORS_ORIGINS: optionalString.transform((v) => (v ? v.split(',').map((o) => o.trim()) : [])),
  /** A runtime whose node stopped heartbeating is marked offline after this long. */
  PRESENCE_TIMEOUT_MS: positiveInt.default(45_000),
  PRESENCE_HEARTBEAT_MS: positiveInt.default(15_000),
  PRESENCE_SWEEP_MS: positiveInt.default(10_000),
  /** Largest accepted Socket.IO message / REST body. */
  MAX_PAYLOAD_BYTES: positiveInt.default(1_048_576),
  /** REST requests per minute from one client address (health, readiness and metrics are exempt). */
  REST_RATE_PER_MIN: positiveInt.default(6_000),
  /** Socket.IO handshakes per second from one client address (token bucket, burst = 2 s worth). */
  HANDSHAKE_RATE_PER_S: positiveInt.default(50),
  /** Calls per second one daemon connection may make (token bucket, burst = 2 s worth). */
  DAEMON_RATE_PER_S: positiveInt.default(200),
  /** Events waiting for a commit before new calls are refused as unavailable. */
  INGEST_MAX_QUEUE: positiveInt.default(50_000),
  INGEST_MAX_BATCH: positiveInt.default(5_000),
  /**
   * Group-commit writers, each owning a share of the runtimes: commits in flight at once. One by default: two
   * writers' commits queue for each other's WAL flush anyway, and one writer's commits twice as large cost Postgres
   * 18 % less CPU per event (BENCHMARKS.md, session 7, hI2).
   */
  INGEST_WRITERS: positiveInt.default(1),
  /**
   * Commits in flight at once per writer: a second starts beside the first once the queue holds a commit's worth of
   * calls of other runtimes, so encoding, answers and the WAL flush of one overlap Postgres running the other. One by
   * default: on this 2-core machine two in flight did not raise throughput and cost Postgres more CPU per event
   * (smaller commits, the second waiting on the first's workspace rollup rows; BENCHMARKS.md, session 9, hI4).
   */
  INGEST_PIPELINE: positiveInt.default(1),
  /** How long a batch may wait to grow while a commit is in flight; 0 flushes as soon as the writer is free. */
  INGEST_LINGER_MS: z.coerce.number().int().min(0).default(0),
  /** Registered runtimes one workspace may hold; a hello past it is refused `rate_limited`. */
  MAX_RUNTIMES_PER_WORKSPACE: positiveInt.default(1_000),
  /** Postgres statement_timeout and lock_timeout of the hub's connections: a blocked call answers `unavailable`. */
  DB_STATEMENT_TIMEOUT_MS: positiveInt.default(10_000),
  DB_LOCK_TIMEOUT_MS: positiveInt.default(5_000),
  /** Raw usage events older than this many days are deleted (rollups are kept forever); 0 keeps them forever. */
  RAW_RETENTION_DAYS: z.coerce.number().int().min(0).default(400),
  /** Proxies (addresses or subnets, comma-separated) whose X-Forwarded-For names the client for per-address limits. */
  TRUST_PROXY: optionalString
    .transform((v) => (v ? v.split(',').map((e) => e.trim()) : []))
    .pipe(z.array(z.string().refine(isAddressOrSubnet, 'must list IP addresses or subnets (a.b.c.d/n)'))),
  /** Open Socket.IO connections from one client address (authenticated or not). */
  MAX_CONNECTIONS_PER_ADDRESS: positiveInt.default(500),
  /** Open Socket.IO connections holding one token. */
  MAX_CONNECTIONS_PER_TOKEN: positiveInt.default(1_000),
  /** Bytes queued for one dashboard (engine buffer + WebSocket) past which it is dropped; it refetches on reconnect. */
  DASHBOARD_MAX_BUFFER_BYTES: positiveInt.default(4_194_304),
  /** A dashboard whose queued messages found no room to leave for this long is dropped. */
  DASHBOARD_DRAIN_TIMEOUT_MS: positiveInt.default(30_000),
  /** Timeout of one budget-alert webhook POST; a claimed alert is leased for twice this plus 5 s. */
  BUDGET_WEBHOOK_TIMEOUT_MS: positiveInt.default(10_000),
});

export type Config = z.infer<typeof ConfigSchema>;

/** Thrown with a one-line, operator-facing message. */
export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const result = ConfigSchema.safeParse(env);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const name = String(issue.path[0] ?? 'environment');
  const value = env[name];
  throw new ConfigError(
    `invalid ${name}${value === undefined ? '' : `=${JSON.stringify(value)}`}: ${issue.message}`,
  );
}

/** A config with defaults, for tests and embedded uses; overrides are already-typed values. */
export function configWith(overrides: Partial<Config>): Config {
  return { ...loadConfig({}), ...overrides };
}
