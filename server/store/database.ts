/**
 * The one seam between our SQL and a Postgres: `pg` (DATABASE_URL) or embedded PGlite (DATA_DIR). Both get the
 * same type parsing (int8/numeric → number, date → 'YYYY-MM-DD'), so every query runs unchanged on either.
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { HubError } from '../errors';

export interface Sql {
  /** One statement, positional parameters ($1…). */
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
  /** Several statements, no parameters (migrations). */
  exec(text: string): Promise<void>;
}

/**
 * The connection failed while COMMIT was in flight: the transaction may or may not be stored. Retrying is safe
 * (every write is keyed), but nobody may assume that nothing was written.
 */
export class CommitInDoubtError extends Error {
  constructor(override readonly cause: unknown) {
    super('the outcome of COMMIT is unknown');
  }
}

export interface Database extends Sql {
  readonly kind: 'postgres' | 'embedded';
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /** Statements sent to the server since open, BEGIN and COMMIT included: how tests see batching work. */
  statementCount(): number;
  close(): Promise<void>;
}

const INT8 = 20;
const NUMERIC = 1700;
const DATE = 1082;
const asNumber = (v: string) => Number(v);
const asText = (v: string) => v;

function counted() {
  let n = 0;
  return { bump: () => void n++, read: () => n };
}

/**
 * Bounds on one statement and on one wait for a lock, so a call blocked by a table lock (or a runaway query) is
 * answered `unavailable` instead of hanging until its client gives up.
 */
export interface DatabaseTimeouts {
  statementTimeoutMs: number;
  lockTimeoutMs: number;
}

export const DEFAULT_TIMEOUTS: DatabaseTimeouts = { statementTimeoutMs: 10_000, lockTimeoutMs: 5_000 };

/** query_canceled (statement_timeout) and lock_not_available (lock_timeout): the database is busy, retry later. */
const BUSY_CODES = new Set(['57014', '55P03']);

function busyAsUnavailable(err: unknown): unknown {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !BUSY_CODES.has(code)) return err;
  return new HubError('unavailable', 'the database is busy (a lock or a slow statement timed out); retry');
}

export function openPostgres(
  url: string,
  poolSize = 10,
  timeouts: DatabaseTimeouts = DEFAULT_TIMEOUTS,
): Database {
  const parsers: Record<number, (v: string) => unknown> = {
    [INT8]: asNumber,
    [NUMERIC]: asNumber,
    [DATE]: asText,
  };
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: 5_000,
    statement_timeout: timeouts.statementTimeoutMs,
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
    async query<T>(text: string, params?: unknown[]) {
      counter.bump();
      try {
        return (await client.query(text, params)).rows as T[];
      } catch (err) {
        throw busyAsUnavailable(err);
      }
    },
    async exec(text: string) {
      counter.bump();
      try {
        await client.query(text);
      } catch (err) {
        throw busyAsUnavailable(err);
      }
    },
  });
  return {
    kind: 'postgres',
    ...over(pool),
    async transaction<T>(fn: (tx: Sql) => Promise<T>) {
      const client = await pool.connect();
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
        } catch (cause) {
          throw new CommitInDoubtError(cause);
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
    statementCount: counter.read,
    close: () => pool.end(),
  };
}

export async function openEmbedded(dataDir: string | undefined): Promise<Database> {
  const db = await PGlite.create(dataDir, {
    parsers: { [INT8]: asNumber, [NUMERIC]: asNumber, [DATE]: asText },
  });
  const counter = counted();
  type Queryable = Pick<PGlite, 'query' | 'exec'>;
  const over = (q: Queryable): Sql => ({
    async query<T>(text: string, params?: unknown[]) {
      counter.bump();
      return (await q.query<T>(text, params)).rows;
    },
    async exec(text: string) {
      counter.bump();
      await q.exec(text);
    },
  });
  return {
    kind: 'embedded',
    ...over(db),
    transaction: (fn) => db.transaction((tx) => fn(over(tx))),
    statementCount: counter.read,
    close: () => db.close(),
  };
}
