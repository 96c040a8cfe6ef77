/**
 * Real hub nodes for tests: each on port 0, on a real Postgres database (fresh per cluster) and optionally the
 * machine's Redis, with workspaces and tokens created through the store like the CLI does.
 */
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { createHub, type Hub, type HubDeps } from '../../server/app';
import { type Config, configWith } from '../../server/config';
import { createToken, createWorkspace, type Database, migrate, openPostgres } from '../../server/store';
import { type FreshDatabase, freshDatabase } from './postgres';

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestWorkspace {
  workspaceId: string;
  memberToken: string;
  memberTokenId: string;
  daemonToken: string;
  daemonTokenId: string;
}

export interface TestHub extends TestWorkspace {
  url: string;
  port: number;
  hub: Hub;
  /** The node's own connection pool (counts its statements). */
  db: Database;
  databaseUrl: string;
  /** Creates another workspace with a member and a daemon token. */
  newWorkspace(name?: string): Promise<TestWorkspace>;
  /** Graceful stop of this node (the database stays). */
  stop(): Promise<void>;
  /** Stops the node and drops the database if this node created it. */
  destroy(): Promise<void>;
}

export interface TestHubOptions {
  /** Join an existing cluster's database instead of creating one. */
  databaseUrl?: string;
  /** Use the machine's Redis with this channel prefix (nodes of one cluster share it). */
  redisPrefix?: string;
  config?: Partial<Config>;
  /** Budget polling and recompute timing. */
  budgets?: HubDeps['budgets'];
  /** Rounds of the raw-usage retention job. */
  retention?: HubDeps['retention'];
}

export async function createTestWorkspace(db: Database, name = 'test'): Promise<TestWorkspace> {
  const ws = await createWorkspace(db, name);
  const member = await createToken(db, ws.id, 'member', 'test');
  const daemon = await createToken(db, ws.id, 'daemon', 'test');
  return {
    workspaceId: ws.id,
    memberToken: member.token,
    memberTokenId: member.id,
    daemonToken: daemon.token,
    daemonTokenId: daemon.id,
  };
}

/**
 * Background work that never writes during a test: presence (no heartbeat — last_seen_at — and no sweep) and the
 * raw-usage retention job (off: its first round, 30–60 s after start, deleted the old events a fuzz run had stored).
 * For tests that count every committed row (rowsWrittenWhile, row digests) and so need the database quiet apart
 * from what they send.
 */
export const QUIET_BACKGROUND = {
  PRESENCE_HEARTBEAT_MS: 3_600_000,
  PRESENCE_SWEEP_MS: 3_600_000,
  PRESENCE_TIMEOUT_MS: 3_600_000,
  RAW_RETENTION_DAYS: 0,
} satisfies Partial<Config>;

/** A channel prefix unique to one test cluster. */
export const uniqueRedisPrefix = () => `rh-test-${randomBytes(4).toString('hex')}`;

export async function startTestHub(options: TestHubOptions = {}): Promise<TestHub> {
  const fresh: FreshDatabase | undefined = options.databaseUrl ? undefined : await freshDatabase();
  const databaseUrl = options.databaseUrl ?? fresh!.url;
  const config = configWith({
    PORT: 0,
    HOST: '127.0.0.1',
    DATABASE_URL: databaseUrl,
    REDIS_URL: options.redisPrefix ? REDIS_URL : undefined,
    LOG_LEVEL: 'silent',
    ...options.config,
  });
  const db = openPostgres(databaseUrl, undefined, {
    statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS,
    lockTimeoutMs: config.DB_LOCK_TIMEOUT_MS,
  });
  await migrate(db);
  const hub = await createHub({
    config,
    db,
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    revocationCheckMs: 500,
    redisChannelPrefix: options.redisPrefix,
    budgets: options.budgets,
    retention: options.retention,
  });
  const port = await hub.listen();
  const first = await createTestWorkspace(db);
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await hub.close();
    await db.close();
  };
  return {
    ...first,
    url: `http://127.0.0.1:${port}`,
    port,
    hub,
    db,
    databaseUrl,
    newWorkspace: (name) => createTestWorkspace(db, name),
    stop,
    async destroy() {
      await stop();
      await fresh?.drop();
    },
  };
}
