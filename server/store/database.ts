/**
 * The one seam between our SQL and a Postgres: `pg` (DATABASE_URL) or embedded PGlite (DATA_DIR). Both get the
 * same type parsing (int8/numeric → number, date → 'YYYY-MM-DD'), so every query runs unchanged on either.
 */
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';

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

export function openPostgres(url: string, poolSize = 10): Database {
  const parsers: Record<number, (v: string) => unknown> = {
    [INT8]: asNumber,
    [NUMERIC]: asNumber,
    [DATE]: asText,
  };
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    connectionTimeoutMillis: 5_000,
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
      return (await client.query(text, params)).rows as T[];
    },
    async exec(text: string) {
      counter.bump();
      await client.query(text);
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
