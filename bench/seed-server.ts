/**
 * The seed-pattern baseline, as its own process: the same calls validated with the same shared schema, then
 * written the way the first seed script did — one `INSERT … ON CONFLICT` upsert per event (largest total wins),
 * each awaited before the next, in autocommit — and acked. Its own table in the benchmark's database; a pool of
 * 10 connections like the hub's, so different sockets do write in parallel.
 */
import pg from 'pg';
import { ackError, ackOk, UsagePayload } from '../shared';
import { startMiniServer } from './mini-server';
import { childConfig, runChild, say } from './protocol';

const config = childConfig<{ port: number; databaseUrl: string; poolSize: number; maxSeconds: number }>();

const TOTAL = (t: string) =>
  `${t}.input_tokens + ${t}.output_tokens + ${t}.cache_read_tokens + ${t}.cache_write_tokens`;

const UPSERT = `
  INSERT INTO bench_seed_usage AS e
    (runtime_id, id, ts, provider, model, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, task_id)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
  ON CONFLICT (runtime_id, id) DO UPDATE SET
    ts = excluded.ts, provider = excluded.provider, model = excluded.model,
    input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens,
    cache_read_tokens = excluded.cache_read_tokens, cache_write_tokens = excluded.cache_write_tokens,
    task_id = excluded.task_id
  WHERE ${TOTAL('excluded')} > ${TOTAL('e')}`;

runChild(async () => {
  const pool = new pg.Pool({ connectionString: config.databaseUrl, max: config.poolSize });
  pool.on('error', () => {});
  await pool.query(`CREATE TABLE IF NOT EXISTS bench_seed_usage (
    runtime_id uuid NOT NULL, id text NOT NULL, ts timestamptz NOT NULL, provider text NOT NULL, model text NOT NULL,
    input_tokens bigint NOT NULL, output_tokens bigint NOT NULL, cache_read_tokens bigint NOT NULL,
    cache_write_tokens bigint NOT NULL, task_id text, PRIMARY KEY (runtime_id, id))`);
  await startMiniServer(config.port, async (payload) => {
    const parsed = UsagePayload.safeParse(payload);
    if (!parsed.success) return ackError('invalid_payload', parsed.error.message);
    const { runtime_id, events } = parsed.data;
    for (const e of events) {
      await pool.query(UPSERT, [
        runtime_id,
        e.id,
        e.ts,
        e.provider,
        e.model,
        e.input_tokens,
        e.output_tokens,
        e.cache_read_tokens,
        e.cache_write_tokens,
        e.task_id ?? null,
      ]);
    }
    return ackOk({ accepted: events.length });
  });
  say({ type: 'listening', port: config.port });
}, config.maxSeconds);
