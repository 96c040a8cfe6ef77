/**
 * Checks of answers: no unsafe text in messages, nothing written by refused calls.
 */
import fc from 'fast-check';
import { isObject } from './payloads';

/** Every string of a value, keys included: what an error message may legitimately echo. */
export function inputStrings(value: unknown, out: string[] = [], depth = 0): string[] {
  if (typeof value === 'string') out.push(value);
  else if (depth < 40 && Array.isArray(value)) for (const v of value) inputStrings(v, out, depth + 1);
  else if (depth < 40 && isObject(value))
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      inputStrings(v, out, depth + 1);
    }
  return out;
}

const UNSAFE: [RegExp, string][] = [
  // "at least 1" is fine; "    at fn (file.js:1:2)" is a stack frame.
  [/^\s*at\s|\bat\s+[\w$.<>]+\s+\(|\(\S+:\d+:\d+\)/m, 'a stack frame'],
  [
    /file:\/\/|node_modules|\/(?:work|home|usr|tmp|app|srv)\/|\.(?:ts|js|mjs|cjs):\d+|[A-Za-z]:\\/,
    'a file path',
  ],
  [/\b(?:SELECT|INSERT|UPDATE|DELETE|FROM|WHERE|RETURNING|CONFLICT)\b/, 'SQL'],
  [
    /relation\s|syntax error|duplicate key|violates|SQLSTATE|column "|pg_|invalid input syntax|out of range|unnest/i,
    'a database error',
  ],
  [
    /\b(?:TypeError|RangeError|SyntaxError|ReferenceError|Error):|Cannot read propert|is not a function|undefined is not/,
    'a JavaScript error',
  ],
];

/**
 * Why an error message is not safe to show (a stack frame, a file path, SQL, a driver or runtime error), or
 * undefined. What the caller sent may be echoed: those strings (raw or JSON-escaped, whole or cut short at the
 * end of the message) are taken out before looking.
 */
export function unsafeMessage(message: unknown, inputs: string[] = []): string | undefined {
  if (typeof message !== 'string' || message.length === 0) return 'no message';
  let own = message;
  const echoes = [...new Set(inputs.filter((s) => s.length >= 3 && s.length < 100_000))]
    .flatMap((s) => [s, JSON.stringify(s).slice(1, -1)])
    .sort((a, b) => b.length - a.length);
  for (const s of echoes) if (own.includes(s)) own = own.split(s).join('');
  // The hub cuts long messages: an echo may end the message half-way.
  if (message.length >= 300) {
    const cut = echoes.find((s) => {
      for (let k = Math.min(s.length, own.length); k >= 3; k--) if (own.endsWith(s.slice(0, k))) return true;
      return false;
    });
    if (cut)
      for (let k = Math.min(cut.length, own.length); k >= 3; k--)
        if (own.endsWith(cut.slice(0, k))) {
          own = own.slice(0, -k);
          break;
        }
  }
  return UNSAFE.find(([pattern]) => pattern.test(own))?.[1];
}

/**
 * Row counts and token sums of every table a daemon can write, and when tasks and runtimes last changed (an upsert
 * that changes a row sets its updated_at): equal before and after means nothing was written.
 */
export const ROW_DIGEST_SQL = `SELECT
  (SELECT count(*)::int FROM usage_events) AS usage_events,
  (SELECT coalesce(sum(input_tokens::numeric + output_tokens + cache_read_tokens + cache_write_tokens), 0)::text
     FROM usage_events) AS usage_events_sum,
  (SELECT count(*)::int FROM usage_quarter) AS usage_quarter,
  (SELECT coalesce(sum(input_tokens::numeric + output_tokens + cache_read_tokens + cache_write_tokens), 0)::text
     FROM usage_quarter) AS usage_quarter_sum,
  (SELECT count(*)::int FROM usage_daily_totals) AS usage_daily_totals,
  (SELECT coalesce(sum(input_tokens::numeric + output_tokens + cache_read_tokens + cache_write_tokens), 0)::text
     FROM usage_daily_totals) AS usage_daily_totals_sum,
  (SELECT count(*)::int FROM tasks) AS tasks,
  (SELECT max(updated_at)::text FROM tasks) AS tasks_changed,
  (SELECT count(*)::int FROM runtimes) AS runtimes,
  (SELECT max(updated_at)::text FROM runtimes) AS runtimes_changed,
  (SELECT coalesce(sum(usage_version), 0)::text FROM runtimes) AS usage_versions`;

const NEXT_XID_SQL = 'SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS x';
const WRITTEN_BY_SQL = `SELECT
  (SELECT count(*) FROM usage_events WHERE xmin::text = ANY($1)) + (SELECT count(*) FROM usage_quarter WHERE xmin::text = ANY($1))
  + (SELECT count(*) FROM usage_daily_totals WHERE xmin::text = ANY($1)) + (SELECT count(*) FROM tasks WHERE xmin::text = ANY($1))
  + (SELECT count(*) FROM runtimes WHERE xmin::text = ANY($1)) + (SELECT count(*) FROM tokens WHERE xmin::text = ANY($1))
  + (SELECT count(*) FROM workspaces WHERE xmin::text = ANY($1)) AS n`;

/**
 * Runs `work` and counts the rows that transactions committed meanwhile wrote (inserted or updated: each such row
 * version carries its transaction id as xmin). Cheap when nothing committed, which is the usual answer; exact when
 * something did (autovacuum, say) because only rows of ours stamped by those transactions count. Other writers of
 * the database (presence heartbeats) must be quiet meanwhile.
 */
export async function rowsWrittenWhile<T>(
  db: { query<R>(text: string, params?: unknown[]): Promise<R[]> },
  work: () => Promise<T>,
): Promise<[T, number]> {
  const [from] = await db.query<{ x: string }>(NEXT_XID_SQL);
  const result = await work();
  const [to] = await db.query<{ x: string }>(NEXT_XID_SQL);
  if (from!.x === to!.x) return [result, 0];
  const committed = await db.query<{ x: string }>(
    `SELECT g::text AS x FROM generate_series($1::bigint, $2::bigint - 1) AS g
     WHERE pg_xact_status(g::text::xid8) = 'committed'`,
    [from!.x, to!.x],
  );
  if (committed.length === 0) return [result, 0];
  const xids = committed.map((c) => String(BigInt(c.x) % 2n ** 32n));
  const [written] = await db.query<{ n: number }>(WRITTEN_BY_SQL, [xids]);
  return [result, Number(written!.n)];
}

/**
 * fc.assert options: `numRuns`, and a report cut to a readable length (counterexamples hold megabyte strings).
 */
export function fuzzRuns(numRuns: number): fc.Parameters<unknown> {
  return {
    numRuns,
    reporter: (details) => {
      if (!details.failed) return;
      const message = fc.defaultReportMessage(details) ?? 'property failed';
      const cause = details.errorInstance instanceof Error ? `\n${details.errorInstance.message}` : '';
      throw new Error(`${message.slice(0, 3_000)}${cause.slice(0, 3_000)}`);
    },
  };
}
