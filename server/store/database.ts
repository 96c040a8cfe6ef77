/**
 * The one seam between our SQL and a Postgres: `pg` (DATABASE_URL) or embedded PGlite (DATA_DIR). Both get the
 * same type parsing (int8/numeric → number, date → 'YYYY-MM-DD'), so every query runs unchanged on either, and
 * both reject with a StoreError only, so no caller ever sees a driver's error.
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { CommitInDoubtError, refusedByServer, StoreError, toStoreError } from './errors';

export interface Sql {
  /**
   * One statement, positional parameters ($1…). A `name` prepares it once per connection and reuses the plan
   * (the hot write path: parsing and planning its CTEs cost about a millisecond a commit); the text under one
   * name must never change.
   */
  query<T = Record<string, unknown>>(text: string, params?: unknown[], name?: string): Promise<T[]>;
  /** Several statements, no parameters (migrations). */
  exec(text: string): Promise<void>;
}

export interface Database extends Sql {
  readonly kind: 'postgres' | 'embedded';
  /** Errors `fn` throws pass through unchanged; a lost connection at COMMIT is a CommitInDoubtError. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /**
   * One statement as its own transaction: one round trip instead of three (BEGIN, it, COMMIT); resolves once it
   * committed. A refusal by Postgres wrote nothing (a StoreError as usual); a connection lost while it ran is a
   * CommitInDoubtError, as a lost COMMIT is.
   */
  alone<T = Record<string, unknown>>(text: string, params: unknown[], name?: string): Promise<T[]>;
  /** Resolves when the database answers a trivial statement (readiness, recovery after an outage). */
  ping(): Promise<void>;
  /** Statements sent to the server since open, BEGIN and COMMIT included: how tests see batching work. */
  statementCount(): number;
  close(): Promise<void>;
}

const INT8 = 20;
const NUMERIC = 1700;
const DATE = 1082;
const TIMESTAMPTZ = 1184;
const asNumber = (v: string) => Number(v);
const asText = (v: string) => v;

/**
 * timestamptz as pg parses it, with the last two values remembered: a usage write's answer repeats its rows'
 * quarter (one value over ~75 rows of a fleet commit, two across a quarter's end) and one parse costs ~0.4 µs, a
 * quarter of the hub's CPU per answer row (BENCHMARKS.md, session 10, hH). Each row still gets a Date of its own; a value pg does
 * not make a Date of (infinity) is not remembered.
 */
function recentTimestamps(): (v: string) => unknown {
  const parse = pg.types.getTypeParser(TIMESTAMPTZ, 'text') as (v: string) => unknown;
  let lastText: string | undefined;
  let lastMs = 0;
  let olderText: string | undefined;
  let olderMs = 0;
  return (v) => {
    if (v === lastText) return new Date(lastMs);
    if (v === olderText) return new Date(olderMs);
    const parsed = parse(v);
    if (!(parsed instanceof Date)) return parsed;
    olderText = lastText;
    olderMs = lastMs;
    lastText = v;
    lastMs = parsed.getTime();
    return parsed;
  };
}

function counted() {
  let n = 0;
  return { bump: () => void n++, read: () => n };
}

/** A driver call whose failure is rejected as a StoreError. */
async function classified<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toStoreError(err);
  }
}

const pingOver = (sql: Sql) => async () => void (await sql.query('SELECT 1'));

/**
 * Bounds on one statement and on one wait for a lock, so a call blocked by a table lock (or a runaway query) is
 * answered `unavailable` instead of hanging until its client gives up.
 */
export interface DatabaseTimeouts {
  statementTimeoutMs: number;
  lockTimeoutMs: number;
}

export const DEFAULT_TIMEOUTS: DatabaseTimeouts = { statementTimeoutMs: 10_000, lockTimeoutMs: 5_000 };

export function openPostgres(
  url: string,
  poolSize = 10,
  timeouts: DatabaseTimeouts = DEFAULT_TIMEOUTS,
): Database {
  const parsers: Record<number, (v: string) => unknown> = {
    [INT8]: asNumber,
    [NUMERIC]: asNumber,
    [DATE]: asText,
    [TIMESTAMPTZ]: recentTimestamps(),
  };
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: 5_000,
    statement_timeout: timeouts.statementTimeoutMs,
    // JIT compiles a statement whose estimated cost passes jit_above_cost: the history views' estimates do, and
    // compiling took 1.3–4.5 s of a view that runs in 150 ms (BENCHMARKS.md, history at scale). Never worth it here.
    options: '-c jit=off',
    lock_timeout: timeouts.lockTimeoutMs,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        parsers[oid] ?? pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // A dropped idle connection must not crash the process; the next query gets a fresh one.
  pool.on('error', () => {});
  const counter = counted();
  const over = (client: pg.Pool | pg.PoolClient): Sql => ({
    async query<T>(text: string, params?: unknown[], name?: string) {
      counter.bump();
      const config = name ? { name, text, values: params } : { text, values: params };
      return (await classified(() => client.query(config))).rows as T[];
    },
    async exec(text: string) {
      counter.bump();
      await classified(() => client.query(text));
    },
  });
  const sql = over(pool);
  return {
    kind: 'postgres',
    ...sql,
    async transaction<T>(fn: (tx: Sql) => Promise<T>) {
      const client = await classified(() => pool.connect());
      // A connection lost mid-transaction emits 'error' on the checked-out client; unheard, it would crash the
      // process. The failed query rejects anyway, which is how the caller learns of it.
      const ignore = () => {};
      client.on('error', ignore);
      const tx = over(client);
      try {
        await tx.exec('BEGIN');
        const result = await fn(tx);
        try {
          await tx.exec('COMMIT');
        } catch (err) {
          throw new CommitInDoubtError(err instanceof StoreError ? err.cause : err);
        }
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.off('error', ignore);
        client.release();
      }
    },
    async alone<T>(text: string, params: unknown[], name?: string) {
      const client = await classified(() => pool.connect());
      const ignore = () => {};
      client.on('error', ignore);
      let broken = false;
      try {
        counter.bump();
        const config = name ? { name, text, values: params } : { text, values: params };
        return (await client.query(config)).rows as T[];
      } catch (err) {
        // Postgres refused it: rolled back. Anything else lost the answer, maybe after the commit.
        if (refusedByServer(err)) throw toStoreError(err);
        broken = true;
        throw new CommitInDoubtError(err);
      } finally {
        client.off('error', ignore);
        client.release(broken);
      }
    },
    ping: pingOver(sql),
    statementCount: counter.read,
    close: () => pool.end(),
  };
}

/** Shared buffers of the embedded database (see openEmbedded). */
export const EMBEDDED_SHARED_BUFFERS = '8MB';

export async function openEmbedded(dataDir: string | undefined): Promise<Database> {
  const db = await PGlite.create(dataDir, {
    parsers: { [INT8]: asNumber, [NUMERIC]: asNumber, [DATE]: asText },
    // PGlite's 128 MB of shared buffers are touched at start-up and stay resident in the WebAssembly memory: they
    // made the idle embedded hub 340 MB. Its files sit in the OS page cache anyway, so 8 MB costs little speed.
    postgresqlconf: `shared_buffers = ${EMBEDDED_SHARED_BUFFERS}`,
  });
  const counter = counted();
  type Queryable = Pick<PGlite, 'query' | 'exec'>;
  const over = (q: Queryable): Sql => ({
    async query<T>(text: string, params?: unknown[]) {
      counter.bump();
      return (await classified(() => q.query<T>(text, params))).rows;
    },
    async exec(text: string) {
      counter.bump();
      await classified(() => q.exec(text));
    },
  });
  const sql = over(db);
  return {
    kind: 'embedded',
    ...sql,
    async transaction<T>(fn: (tx: Sql) => Promise<T>) {
      // PGlite runs BEGIN and COMMIT itself: their failures are classified here, while whatever `fn` throws
      // (already a StoreError when it came from a query) passes through as it is.
      let fromFn: { err: unknown } | undefined;
      try {
        return await db.transaction(async (tx) => {
          try {
            return await fn(over(tx));
          } catch (err) {
            fromFn = { err };
            throw err;
          }
        });
      } catch (err) {
        throw fromFn?.err === err ? err : toStoreError(err);
      }
    },
    // Embedded: no connection to lose; a lone statement is its own transaction as in Postgres.
    alone: <T>(text: string, params: unknown[]) => sql.query<T>(text, params),
    ping: pingOver(sql),
    statementCount: counter.read,
    close: () => db.close(),
  };
}
