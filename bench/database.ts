/**
 * The benchmark's database: a fresh one on the machine's Postgres for each run (created, migrated, dropped by
 * the harness), a workspace with a member and a daemon token made through the store as the CLI makes them, and
 * the 90-day history the REST and web rows read (bench/seed-history.ts, plus tasks for the hourly chart).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import {
  createToken,
  createWorkspace,
  type Database,
  lockRuntimes,
  migrate,
  openPostgres,
  type RuntimeTask,
  writeTasks,
} from '../server/store';
import { seedHistory } from './seed-history';

export const POSTGRES_ADMIN_URL =
  process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface BenchDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 5_000 });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

const undropped = new Set<BenchDatabase>();

export async function createBenchDatabase(): Promise<BenchDatabase> {
  const name = `rh_bench_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const u = new URL(POSTGRES_ADMIN_URL);
  u.pathname = `/${name}`;
  const db: BenchDatabase = {
    url: u.toString(),
    name,
    async drop() {
      if (!undropped.delete(db)) return;
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
  undropped.add(db);
  return db;
}

/** Drops every database this process created and has not dropped yet (the harness on its way out). */
export async function dropAllBenchDatabases(): Promise<void> {
  await Promise.all([...undropped].map((d) => d.drop().catch(() => {})));
}

export interface BenchWorkspace {
  workspaceId: string;
  memberToken: string;
  daemonToken: string;
}

export async function prepareWorkspace(db: Database): Promise<BenchWorkspace> {
  await migrate(db);
  const ws = await createWorkspace(db, 'bench');
  const member = await createToken(db, ws.id, 'member', 'bench');
  const daemon = await createToken(db, ws.id, 'daemon', 'bench');
  return { workspaceId: ws.id, memberToken: member.token, daemonToken: daemon.token };
}

/** `days` of hourly usage for 8 models, and a task every 3 hours, on one new runtime; returns its id. */
export async function seedRuntimeHistory(db: Database, workspaceId: string, days: number): Promise<string> {
  const runtimeId = await seedHistory(db, workspaceId, days);
  const start = Date.now() - days * 86_400_000;
  const tasks: RuntimeTask[] = [];
  for (let h = 0; h < days * 24; h += 3) {
    const at = new Date(start + h * 3_600_000).toISOString();
    tasks.push({
      runtime_id: runtimeId,
      id: `bench-task-${h}`,
      status: 'completed',
      created_at: at,
      started_at: at,
    });
  }
  await db.transaction(async (tx) => {
    await lockRuntimes(tx, [runtimeId]);
    await writeTasks(tx, tasks);
  });
  return runtimeId;
}

/**
 * Vacuums and analyzes the usage tables after a bulk seed, so the measurement that follows sees the steady state
 * rather than autovacuum catching up on the rows just written.
 */
export async function settleUsageTables(db: Database): Promise<void> {
  await db.exec('VACUUM (ANALYZE) usage_events, usage_quarter');
}

/** Rows a load run left in the database: what the acks promised must be there. */
export async function countRows(
  db: Database,
  table: 'usage_events' | 'usage_quarter' | 'bench_seed_usage',
): Promise<number> {
  const rows = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0]?.n ?? 0;
}

export { openPostgres };
