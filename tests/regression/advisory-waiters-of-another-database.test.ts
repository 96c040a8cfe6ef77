/**
 * Regression: realtime-acks and realtime-batching waited until pg_locks showed N sessions waiting for an advisory
 * lock, counting every database's waiters. With test files running at the same time (a fresh database each),
 * another file's waiter made the count reach N early. The count now reads the connection's own database only.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADVISORY_WAITERS_SQL, type FreshDatabase, freshDatabase } from '../helpers/postgres';
import { eventually } from '../helpers/sockets';

describe("advisory lock waiters of another database (other test files' databases)", () => {
  let mine: FreshDatabase;
  let other: FreshDatabase;
  const clients: pg.Client[] = [];
  const client = async (url: string) => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    clients.push(c);
    return c;
  };
  const waiters = async (c: pg.Client) => (await c.query(ADVISORY_WAITERS_SQL)).rows[0].n as number;

  beforeAll(async () => {
    mine = await freshDatabase();
    other = await freshDatabase();
  });

  afterAll(async () => {
    for (const c of clients) await c.end();
    await mine?.drop();
    await other?.drop();
  });

  it('are not counted, while a waiter in the own database is', async () => {
    const [holder, waiter, ownHolder, ownWaiter, reader] = await Promise.all([
      client(other.url),
      client(other.url),
      client(mine.url),
      client(mine.url),
      client(mine.url),
    ]);
    await holder.query('SELECT pg_advisory_lock(41)');
    const otherWait = waiter.query('SELECT pg_advisory_lock(41)');
    await eventually(async () => (await waiters(holder)) === 1, 10_000);
    expect(await waiters(reader)).toBe(0);

    await ownHolder.query('SELECT pg_advisory_lock(41)');
    const ownWait = ownWaiter.query('SELECT pg_advisory_lock(41)');
    await eventually(async () => (await waiters(reader)) === 1, 10_000);
    expect(await waiters(holder)).toBe(1);

    await holder.query('SELECT pg_advisory_unlock(41)');
    await ownHolder.query('SELECT pg_advisory_unlock(41)');
    await Promise.all([otherWait, ownWait]);
    expect(await waiters(reader)).toBe(0);
  });
});
