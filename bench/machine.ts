/** The machine a run measured: cores, memory, Node, Postgres and Redis versions, and the load around the run. */
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { Redis } from 'ioredis';
import pg from 'pg';
import { POSTGRES_ADMIN_URL, REDIS_URL } from './database';

export interface Machine {
  nproc: number;
  cpu: string;
  memoryMb: number;
  node: string;
  postgres: string | null;
  redis: string | null;
}

export async function machineInfo(): Promise<Machine> {
  let postgres: string | null = null;
  let redis: string | null = null;
  const c = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 5_000 });
  try {
    await c.connect();
    postgres =
      (await c.query<{ server_version: string }>('SHOW server_version')).rows[0]?.server_version ?? null;
  } catch {
    postgres = null;
  } finally {
    await c.end().catch(() => {});
  }
  const r = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3_000 });
  r.on('error', () => {});
  try {
    await r.connect();
    redis = /redis_version:(\S+)/.exec(await r.info('server'))?.[1] ?? null;
  } catch {
    redis = null;
  } finally {
    r.disconnect();
  }
  return {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    memoryMb: Math.round(totalmem() / 1048576),
    node: process.version,
    postgres,
    redis,
  };
}

/** 1-, 5- and 15-minute load averages, rounded. */
export const loadAverage = () => loadavg().map((l) => Math.round(l * 100) / 100);
