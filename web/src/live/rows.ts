/**
 * The history answers the first charts read (usage, per-day totals, activity), checked by hand against exactly
 * what their shared schemas (UsageRow, GroupedUsageRow, ActivityRow in shared/schemas.ts) accept, with zod's
 * output (unknown keys dropped, the shape's key order) and zod's first issue. Why not zod itself: building its
 * schemas and running its interpreted parsers (the CSP forbids its compiled ones) over ~900 rows was the largest
 * piece of the runtime page's own work before its charts, and with these three off zod, zod (72 KB minified)
 * leaves the scripts loaded before the first render. tests/unit/web/rows.test.ts holds these to the schemas:
 * the same keys, and the same verdict, data and first issue as zod on thousands of generated bodies.
 */
import type { ActivityRow, GroupedUsageRow, RowCostSource, UsageRow } from '../../../shared/schemas';

/** What zod's `safeParse` answers, as far as the dashboard reads it (api.ts names the first issue). */
export type Parsed<T> =
  | { success: true; data: T }
  | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } };

/** A parser with zod's `safeParse` interface: api.ts takes these and zod schemas alike. */
export interface Parser<T> {
  safeParse(body: unknown): Parsed<T>;
}

/** A failed check: where and zod's message. */
class Issue {
  constructor(
    readonly path: PropertyKey[],
    readonly message: string,
  ) {}
}

/** zod's name for the type of a value it did not expect (JSON bodies hold no other kind of object). */
function received(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number' && !Number.isFinite(v)) return String(v);
  return typeof v;
}

function expected(path: PropertyKey[], type: string, v: unknown): Issue {
  return new Issue(path, `Invalid input: expected ${type}, received ${received(v)}`);
}

type Row = Record<string, unknown>;

function string(row: Row, key: string, path: PropertyKey[]): string {
  const v = row[key];
  if (typeof v !== 'string') throw expected([...path, key], 'string', v);
  return v;
}

/** z.number(): finite numbers only. */
function number(row: Row, key: string, path: PropertyKey[]): number {
  const v = row[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw expected([...path, key], 'number', v);
  return v;
}

/** z.number().int() (a safe integer) with the bounds given, checked in zod's order. */
function int(row: Row, key: string, path: PropertyKey[], min: number | null, max: number | null): number {
  const v = number(row, key, path);
  if (!Number.isInteger(v)) throw expected([...path, key], 'int', v);
  if (!Number.isSafeInteger(v))
    throw new Issue(
      [...path, key],
      v > 0
        ? `Too big: expected int to be <=${Number.MAX_SAFE_INTEGER}`
        : `Too small: expected int to be >=${Number.MIN_SAFE_INTEGER}`,
    );
  if (min !== null && v < min) throw new Issue([...path, key], `Too small: expected number to be >=${min}`);
  if (max !== null && v > max) throw new Issue([...path, key], `Too big: expected number to be <=${max}`);
  return v;
}

/** TokenCount: a whole number from 0 to MAX_SAFE_INTEGER. */
const tokens = (row: Row, key: string, path: PropertyKey[]) =>
  int(row, key, path, 0, Number.MAX_SAFE_INTEGER);

function nullableNumber(row: Row, key: string, path: PropertyKey[]): number | null {
  return row[key] === null ? null : number(row, key, path);
}

/** zod's z.guid(): 8-4-4-4-12 hex digits, any version. */
const GUID = /^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/;

const COST_SOURCES: readonly RowCostSource[] = ['agent', 'table', 'mixed', 'unknown'];

function costSource(v: unknown, path: PropertyKey[]): RowCostSource {
  const found = COST_SOURCES.find((s) => s === v);
  if (found === undefined)
    throw new Issue(path, `Invalid option: expected one of ${COST_SOURCES.map((s) => `"${s}"`).join('|')}`);
  return found;
}

function object(v: unknown, path: PropertyKey[]): Row {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw expected(path, 'object', v);
  return v as Row;
}

/**
 * UsageRow's output. zod reports every issue of a row, in the shape's order: the first is the first key that
 * fails, which is the order the checks below run in.
 */
function usageRow(v: unknown, i: number): UsageRow {
  const path = [i];
  const row = object(v, path);
  const runtimeId = string(row, 'runtime_id', path);
  if (!GUID.test(runtimeId)) throw new Issue([i, 'runtime_id'], 'Invalid GUID');
  const out: UsageRow = {
    runtime_id: runtimeId,
    date: string(row, 'date', path),
    provider: string(row, 'provider', path),
    model: string(row, 'model', path),
    input_tokens: tokens(row, 'input_tokens', path),
    output_tokens: tokens(row, 'output_tokens', path),
    cache_read_tokens: tokens(row, 'cache_read_tokens', path),
    cache_write_tokens: tokens(row, 'cache_write_tokens', path),
    cost_usd: nullableNumber(row, 'cost_usd', path),
  };
  // Optional keys: absent stays absent (zod's output has no key for them), as does an explicit undefined.
  if (row.cost_source !== undefined) out.cost_source = costSource(row.cost_source, [i, 'cost_source']);
  if (row.unpriced_tokens !== undefined) out.unpriced_tokens = number(row, 'unpriced_tokens', path);
  return out;
}

function groupedRow(v: unknown, i: number): GroupedUsageRow {
  const path = [i];
  const row = object(v, path);
  const out: GroupedUsageRow = {
    date: string(row, 'date', path),
    key: string(row, 'key', path),
    input_tokens: tokens(row, 'input_tokens', path),
    output_tokens: tokens(row, 'output_tokens', path),
    cache_read_tokens: tokens(row, 'cache_read_tokens', path),
    cache_write_tokens: tokens(row, 'cache_write_tokens', path),
    cost_usd: nullableNumber(row, 'cost_usd', path),
  };
  if (row.unpriced_tokens !== undefined) out.unpriced_tokens = number(row, 'unpriced_tokens', path);
  return out;
}

function activityRow(v: unknown, i: number): ActivityRow {
  const path = [i];
  const row = object(v, path);
  return { hour: int(row, 'hour', path, 0, 23), count: int(row, 'count', path, null, null) };
}

/** An array of rows, each read by `row`; the first failing row's first issue is the answer's. */
function rows<T>(row: (v: unknown, i: number) => T): Parser<T[]> {
  return {
    safeParse(body) {
      if (!Array.isArray(body)) return { success: false, error: { issues: [expected([], 'array', body)] } };
      try {
        return { success: true, data: body.map(row) };
      } catch (err) {
        if (!(err instanceof Issue)) throw err;
        return { success: false, error: { issues: [{ path: err.path, message: err.message }] } };
      }
    },
  };
}

export const UsageRows = rows(usageRow);
export const GroupedRows = rows(groupedRow);
export const ActivityRows = rows(activityRow);

/** The keys each reader knows, in order: the test checks them against the shared schemas' shapes. */
export const ROW_KEYS = {
  UsageRow: [
    'runtime_id',
    'date',
    'provider',
    'model',
    'input_tokens',
    'output_tokens',
    'cache_read_tokens',
    'cache_write_tokens',
    'cost_usd',
    'cost_source',
    'unpriced_tokens',
  ],
  GroupedUsageRow: [
    'date',
    'key',
    'input_tokens',
    'output_tokens',
    'cache_read_tokens',
    'cache_write_tokens',
    'cost_usd',
    'unpriced_tokens',
  ],
  ActivityRow: ['hour', 'count'],
} as const;
