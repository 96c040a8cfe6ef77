/**
 * A private PostgreSQL 15 for the fault suite, never the machine's shared one: `initdb` once per suite run (as
 * the postgres user when we are root; Postgres refuses to run as root), then each scenario starts it on a spare
 * port with a fresh database, and may stop it (`immediate` = a crash) and start it again on the same port.
 */
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, run } from './chaos-processes';

export const PG_BIN = process.env.CHAOS_PG_BIN ?? '/usr/lib/postgresql/15/bin';

const isRoot = () => process.getuid?.() === 0;

/** Runs a Postgres binary, as the postgres user when we are root. */
function pgRun(binary: string, args: string[], timeoutMs = 60_000) {
  const path = join(PG_BIN, binary);
  return isRoot()
    ? run('runuser', ['-u', 'postgres', '--', path, ...args], timeoutMs)
    : run(path, args, timeoutMs);
}

function ownedByPostgres(dir: string): void {
  if (!isRoot()) return;
  const { uid, gid } = postgresIds();
  chownSync(dir, uid, gid);
}

let ids: { uid: number; gid: number } | undefined;
function postgresIds(): { uid: number; gid: number } {
  if (!ids) {
    // /etc/passwd lines are name:x:uid:gid:…
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('postgres:'));
    if (!line) throw new Error('no postgres user on this machine');
    const [, , uid, gid] = line.split(':');
    ids = { uid: Number(uid), gid: Number(gid) };
  }
  return ids;
}

/** Creates a cluster in a fresh temp folder; returns the folder (the data directory is `<folder>/data`). */
export async function initCluster(): Promise<string> {
  const base = mkdtempSync(join(tmpdir(), 'rh-chaos-pg-'));
  ownedByPostgres(base);
  await pgRun('initdb', ['-D', join(base, 'data'), '-A', 'trust', '-U', 'postgres', '-N', '-E', 'UTF8']);
  return base;
}

/** Stops anything still running on the cluster and removes its folder. */
export async function destroyCluster(base: string): Promise<void> {
  const data = join(base, 'data');
  if (existsSync(join(data, 'postmaster.pid')))
    await pgRun('pg_ctl', ['-D', data, '-m', 'immediate', 'stop'], 30_000).catch(() => {});
  rmSync(base, { recursive: true, force: true });
}

export interface ChaosPostgres {
  port: number;
  /** URL of the scenario's own database. */
  url: string;
  logFile: string;
  /** Stops the server: `fast` is graceful, `immediate` drops every connection at once (a crash). */
  stop(mode: 'fast' | 'immediate'): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** True when the server accepts connections. */
  ready(): Promise<boolean>;
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** Starts the cluster of `base` on a spare port and creates the database `name` in it. */
export async function startPostgres(base: string, name: string): Promise<ChaosPostgres> {
  const data = join(base, 'data');
  const port = await freePort();
  const logDir = join(base, 'logs');
  if (!existsSync(logDir)) {
    mkdirSync(logDir);
    ownedByPostgres(logDir);
  }
  const logFile = join(logDir, `${name}.log`);
  // A scenario that died without cleaning up may have left the server running on this folder.
  if (existsSync(join(data, 'postmaster.pid')))
    await pgRun('pg_ctl', ['-D', data, '-m', 'immediate', 'stop'], 30_000).catch(() => {});
  const options = `-p ${port} -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const start = async () => {
    await pgRun('pg_ctl', ['-D', data, '-o', options, '-l', logFile, '-w', '-t', '60', 'start']);
  };
  let running = false;
  await start();
  running = true;
  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  const url = `postgres://postgres@127.0.0.1:${port}/${name}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name}`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();

  // The test's own pool for checks; it survives outages like the hub's (a broken client is dropped).
  const pool = new pg.Pool({ connectionString: url, max: 3, connectionTimeoutMillis: 5_000 });
  pool.on('error', () => {});

  return {
    port,
    url,
    logFile,
    async stop(mode) {
      if (!running) return;
      await pgRun('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop'], 60_000);
      running = false;
    },
    async start() {
      if (running) return;
      await start();
      running = true;
    },
    async ready() {
      const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
      try {
        await c.connect();
        await c.query('SELECT 1');
        return true;
      } catch {
        return false;
      } finally {
        await c.end().catch(() => {});
      }
    },
    async query<T>(text: string, params?: unknown[]) {
      return (await pool.query(text, params)).rows as T[];
    },
    async close() {
      await pool.end().catch(() => {});
      if (running) await pgRun('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop'], 60_000).catch(() => {});
      running = false;
    },
  };
}
