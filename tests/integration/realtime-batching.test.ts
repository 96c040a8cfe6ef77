/**
 * Group commit: concurrent calls from many connections share transactions (far fewer statements than calls, every
 * ack ok, totals exact), and a full queue refuses new calls at once instead of making them wait for Postgres.
 */
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Ack } from '../../shared';
import { startTestHub, type TestHub } from '../helpers/hub';
import { ADVISORY_WAITERS_SQL } from '../helpers/postgres';
import { type ClientSocket, call, connect, eventually, hello } from '../helpers/sockets';

const hourAgo = new Date(Date.now() - 3_600_000).toISOString();
const usageEvent = (id: string, n: number) => ({
  id,
  ts: hourAgo,
  provider: 'claude',
  model: 'claude-sonnet-4-5',
  input_tokens: n,
  output_tokens: 2 * n,
  cache_read_tokens: 3 * n,
  cache_write_tokens: 1,
});

describe('group commit', () => {
  const hubs: TestHub[] = [];
  const sockets: ClientSocket[] = [];
  afterEach(() => {
    for (const s of sockets.splice(0)) s.close();
  });
  afterAll(async () => {
    for (const hub of hubs) await hub.destroy();
  });

  const count = async (hub: TestHub, sql: string, params: unknown[]) =>
    (await hub.db.query<{ n: number }>(sql, params))[0]!.n;

  it('commits 1,000 concurrent calls from 50 sockets exactly, in far fewer statements than calls', async () => {
    const hub = await startTestHub();
    hubs.push(hub);
    const daemons = await Promise.all(
      Array.from({ length: 50 }, () => connect(hub.url, '/daemon', hub.daemonToken)),
    );
    sockets.push(...daemons);
    const runtimes = await Promise.all(daemons.map(async (d) => (await hello(d)).claude!));

    const before = hub.db.statementCount();
    const acks: Promise<Ack<unknown>>[] = [];
    daemons.forEach((daemon, s) => {
      for (let c = 0; c < 20; c++) {
        const events = [usageEvent(`s${s}-c${c}-a`, c + 1), usageEvent(`s${s}-c${c}-b`, 100)];
        acks.push(call(daemon, 'usage', { runtime_id: runtimes[s], events }));
      }
    });
    const results = await Promise.all(acks);
    const statements = hub.db.statementCount() - before;

    expect(results).toHaveLength(1000);
    expect(results.filter((a) => !(a.ok && (a.data as { accepted: number }).accepted === 2))).toEqual([]);
    // One call alone costs 4 statements (BEGIN, lock, upsert, COMMIT): 4,000 without batching.
    expect(statements).toBeLessThan(1000 / 4);

    // Per socket: inputs 1..20 plus 20 × 100; every event's other counts follow from its input.
    const perRuntimeInput = (20 * 21) / 2 + 20 * 100;
    const totals = await hub.db.query<{ runtime_id: string; events: number; input: number; output: number }>(
      `SELECT runtime_id, count(*)::int AS events, sum(input_tokens)::bigint AS input,
              sum(output_tokens)::bigint AS output
       FROM usage_events GROUP BY runtime_id`,
    );
    expect(totals).toHaveLength(50);
    for (const row of totals) {
      expect(row).toEqual({
        runtime_id: row.runtime_id,
        events: 40,
        input: perRuntimeInput,
        output: 2 * perRuntimeInput,
      });
    }
    const hourly = await hub.db.query<{ input: number; cache_read: number; cache_write: number }>(
      `SELECT sum(input_tokens)::bigint AS input, sum(cache_read_tokens)::bigint AS cache_read,
              sum(cache_write_tokens)::bigint AS cache_write FROM usage_quarter`,
    );
    expect(hourly).toEqual([
      { input: 50 * perRuntimeInput, cache_read: 3 * 50 * perRuntimeInput, cache_write: 2000 },
    ]);
  });

  it('refuses only the call Postgres cannot store, committing the calls that shared its batch', async () => {
    const hub = await startTestHub();
    hubs.push(hub);
    const other = await hub.newWorkspace('other');
    const daemons = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        connect(hub.url, '/daemon', i % 2 ? other.daemonToken : hub.daemonToken),
      ),
    );
    sockets.push(...daemons);
    const runtimes = await Promise.all(daemons.map(async (d) => (await hello(d)).claude!));

    // Valid for the schema, refused by Postgres. No schema-valid value overflows a column any more (the rollup's
    // sums are numeric), so the database itself is made to refuse one id with a data exception (SQLSTATE class 22),
    // as it would a value it cannot store: that call must not take its batch down with it.
    await hub.db.exec(`
      CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.id = 'poison' THEN RAISE EXCEPTION 'refused value' USING ERRCODE = 'numeric_value_out_of_range'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER refuse_poison BEFORE INSERT ON usage_events FOR EACH ROW EXECUTE FUNCTION refuse_poison();`);
    const poison = usageEvent('poison', 1);
    const acks = await Promise.all(
      daemons.flatMap((daemon, s) => [
        call(daemon, 'usage', { runtime_id: runtimes[s], events: [usageEvent(`v${s}-1`, 1)] }),
        ...(s === 0 ? [call(daemon, 'usage', { runtime_id: runtimes[s], events: [poison] })] : []),
        call(daemon, 'usage', { runtime_id: runtimes[s], events: [usageEvent(`v${s}-2`, 1)] }),
      ]),
    );
    expect(acks.filter((a) => !a.ok)).toEqual([
      {
        ok: false,
        error: {
          code: 'invalid_payload',
          message: 'a value is outside what the database can store; nothing was written',
        },
      },
    ]);
    expect(acks[1]!.ok).toBe(false);
    expect(await count(hub, 'SELECT count(*)::int AS n FROM usage_events', [])).toBe(20);
    expect(await count(hub, "SELECT count(*)::int AS n FROM usage_events WHERE id = 'poison'", [])).toBe(0);
  });

  it('refuses calls with unavailable at once when the queue is full, and writes none of them', async () => {
    // Two writers: the second call goes to the idle one, which waits on the same lock.
    const hub = await startTestHub({ config: { INGEST_MAX_QUEUE: 10, INGEST_WRITERS: 2 } });
    hubs.push(hub);
    const daemon = await connect(hub.url, '/daemon', hub.daemonToken);
    sockets.push(daemon);
    const runtimeId = (await hello(daemon)).claude!;
    const five = (prefix: string) => Array.from({ length: 5 }, (_, i) => usageEvent(`${prefix}-${i}`, 1));

    // Postgres "falls behind": the runtime's write lock is held from outside, so the first commit of each writer
    // waits on it (a usage call whose writer is busy goes to an idle one: one runtime can use every writer).
    const blocker = new pg.Client({ connectionString: hub.databaseUrl });
    await blocker.connect();
    const waiting = async (n: number) =>
      eventually(async () => {
        const { rows } = await blocker.query(ADVISORY_WAITERS_SQL);
        return rows[0].n === n;
      }, 10_000);
    try {
      await blocker.query('SELECT pg_advisory_lock(hashtextextended($1::uuid::text, 41))', [runtimeId]);
      const inFlight = call(daemon, 'usage', { runtime_id: runtimeId, events: five('first') });
      await waiting(1);
      const inFlight2 = call(daemon, 'usage', { runtime_id: runtimeId, events: five('second') });
      await waiting(2);

      // Ten more calls of 5 events: two fill the queue (10 items) and wait for Postgres; the other eight are
      // refused, and answered while Postgres is still blocked: nobody waits for a commit that cannot come.
      const answered: { i: number; ack: Ack<unknown> }[] = [];
      const flood = Array.from({ length: 10 }, (_, i) =>
        call(daemon, 'usage', { runtime_id: runtimeId, events: five(`flood${i}`) }).then((ack) => {
          answered.push({ i, ack });
          return ack;
        }),
      );
      await eventually(() => answered.length === 8, 10_000);
      expect(answered.map((a) => a.i).sort()).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
      for (const { ack } of answered) {
        expect(ack).toEqual({
          ok: false,
          error: { code: 'unavailable', message: 'the hub is behind on writes; retry shortly' },
        });
      }
      expect(hub.hub.writer.depth()).toBe(10);

      await blocker.query('SELECT pg_advisory_unlock(hashtextextended($1::uuid::text, 41))', [runtimeId]);
      expect(await inFlight).toEqual({ ok: true, data: { accepted: 5 } });
      expect(await inFlight2).toEqual({ ok: true, data: { accepted: 5 } });
      expect(await Promise.all(flood.slice(0, 2))).toEqual([
        { ok: true, data: { accepted: 5 } },
        { ok: true, data: { accepted: 5 } },
      ]);
    } finally {
      await blocker.end();
    }
    const ids = await hub.db.query<{ id: string }>('SELECT id FROM usage_events WHERE runtime_id = $1', [
      runtimeId,
    ]);
    expect(ids.map((r) => r.id.split('-')[0]).sort()).toEqual(
      [
        ...Array(5).fill('first'),
        ...Array(5).fill('second'),
        ...Array(5).fill('flood0'),
        ...Array(5).fill('flood1'),
      ].sort(),
    );
    expect(
      await count(hub, 'SELECT count(*)::int AS n FROM usage_quarter WHERE runtime_id = $1', [runtimeId]),
    ).toBe(1);
  });
});
