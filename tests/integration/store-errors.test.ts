/**
 * The store's closed set of failures, produced by the real databases: every driver error leaves the seam as a
 * StoreError of one kind, and the ingest path maps each kind to one contract code.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubError } from '../../server/errors';
import { dbFailure, isDataError } from '../../server/ingest/db-errors';
import {
  CommitInDoubtError,
  type Database,
  openPostgres,
  StoreError,
  type StoreErrorKind,
} from '../../server/store';
import { databaseKinds } from '../helpers/databases';

/** The rejection of `p` (which must reject). */
async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}

/** The rejection of `p`, which must be a StoreError of `kind`. */
async function storeError(p: Promise<unknown>, kind: StoreErrorKind): Promise<StoreError> {
  const err = await rejectionOf(p);
  expect(err).toBeInstanceOf(StoreError);
  expect((err as StoreError).kind).toBe(kind);
  return err as StoreError;
}

describe.each(databaseKinds)('store errors on %s', (_kind, open) => {
  let db: Database;
  let close: () => Promise<void>;
  /** A second database of the same kind, closed before the tests run. */
  let closed: Database;

  beforeAll(async () => {
    ({ db, close } = await open());
    await db.exec('CREATE TABLE touched_twice (k text PRIMARY KEY, n int NOT NULL)');
    const other = await open();
    await other.close();
    closed = other.db;
  });
  afterAll(async () => {
    await close?.();
  });

  it('classifies a NUL character, the year 0000 and a sum past a bigint as rejected_value', async () => {
    await storeError(db.query('SELECT $1::text AS t', ['a\u0000b']), 'rejected_value');
    await storeError(db.query('SELECT $1::timestamptz AS t', ['0000-01-01T00:00:00Z']), 'rejected_value');
    await storeError(db.query('SELECT $1::bigint + 1 AS n', ['9223372036854775807']), 'rejected_value');
  });

  it('classifies one statement touching a row twice as rejected_value', async () => {
    await storeError(
      db.query(
        `INSERT INTO touched_twice (k, n) VALUES ('a', 1), ('a', 2)
         ON CONFLICT (k) DO UPDATE SET n = excluded.n`,
      ),
      'rejected_value',
    );
  });

  it('classifies a zone Postgres does not know as unknown_zone, keeping its message for the logs', async () => {
    const err = await storeError(
      db.query('SELECT now() AT TIME ZONE $1 AS t', ['Mars/Olympus']),
      'unknown_zone',
    );
    expect(err.message).toBe('time zone "Mars/Olympus" not recognized');
  });

  it('rejects a statement refused inside a transaction with its StoreError and rolls the transaction back', async () => {
    await storeError(
      db.transaction(async (tx) => {
        await tx.query(`INSERT INTO touched_twice (k, n) VALUES ('rolled back', 1)`);
        await tx.query('SELECT $1::text AS t', ['\u0000']);
      }),
      'rejected_value',
    );
    expect(await db.query(`SELECT k FROM touched_twice WHERE k = 'rolled back'`)).toEqual([]);
  });

  it('passes an error thrown by the transaction body through as the same object', async () => {
    const thrown = new HubError('not_found', 'runtime not found');
    const err = await rejectionOf(
      db.transaction(async () => {
        throw thrown;
      }),
    );
    expect(err).toBe(thrown);
    await expect(db.ping()).resolves.toBeUndefined();
  });

  it('classifies a call on a closed database as unavailable, ping included', async () => {
    await storeError(closed.query('SELECT 1'), 'unavailable');
    await storeError(closed.ping(), 'unavailable');
    await storeError(
      closed.transaction(async (tx) => tx.query('SELECT 1')),
      'unavailable',
    );
  });

  it('answers a daemon invalid_payload for a refused value and unavailable for anything else', async () => {
    const refused = await rejectionOf(db.query('SELECT $1::text AS t', ['\u0000']));
    expect(isDataError(refused)).toBe(true);
    expect(dbFailure(refused).toWire()).toEqual({
      code: 'invalid_payload',
      message: 'a value is outside what the database can store; nothing was written',
    });

    const zone = await rejectionOf(db.query('SELECT now() AT TIME ZONE $1 AS t', ['Mars/Olympus']));
    expect(isDataError(zone)).toBe(true);
    expect(dbFailure(zone).code).toBe('invalid_payload');

    const down = await rejectionOf(closed.query('SELECT 1'));
    expect(isDataError(down)).toBe(false);
    expect(dbFailure(down).toWire()).toEqual({
      code: 'unavailable',
      message: 'the database did not commit this call; nothing was written, retry',
    });
  });
});

describe('store errors on an unreachable Postgres', () => {
  it('classifies a refused connection as unavailable', async () => {
    const db = openPostgres('postgres://postgres@127.0.0.1:1/nowhere');
    try {
      await storeError(db.ping(), 'unavailable');
      await storeError(
        db.transaction(async (tx) => tx.query('SELECT 1')),
        'unavailable',
      );
    } finally {
      await db.close();
    }
  });
});

describe('mapping store errors to contract codes', () => {
  it('treats a commit in doubt as a store error the daemon must retry, never as its own input', () => {
    const inDoubt = new CommitInDoubtError(new Error('Connection terminated unexpectedly'));
    expect(inDoubt).toBeInstanceOf(StoreError);
    expect(inDoubt.kind).toBe('commit_in_doubt');
    expect(isDataError(inDoubt)).toBe(false);
    expect(dbFailure(inDoubt).toWire()).toEqual({
      code: 'unavailable',
      message: 'the database connection was lost at commit; retry (resending is safe)',
    });
  });

  it('passes a HubError through unchanged', () => {
    const err = new HubError('not_found', 'runtime not found');
    expect(dbFailure(err)).toBe(err);
    expect(isDataError(err)).toBe(false);
  });

  it('maps a failure that is not a store error (a bug, a shutdown) to unavailable', () => {
    expect(dbFailure(new TypeError('x is undefined')).code).toBe('unavailable');
    expect(isDataError(new TypeError('x is undefined'))).toBe(false);
  });
});
