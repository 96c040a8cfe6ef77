/**
 * Every payload of the wire contract (CONTRACT.md sections 3 and 4) as a zod schema; the TypeScript types are
 * inferred from these, so a shape is written once and checked at run time at every boundary.
 */
import { z } from 'zod';
import { isCalendarDate, toUtcTimestamp } from './time';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** Rejects prototype-pollution keys at any depth of a free-form JSON value. */
function hasForbiddenKey(value: unknown, depth = 0): boolean {
  if (depth > 32) return true;
  if (Array.isArray(value)) return value.some((v) => hasForbiddenKey(v, depth + 1));
  if (value !== null && typeof value === 'object') {
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) return true;
      if (hasForbiddenKey((value as Record<string, unknown>)[key], depth + 1)) return true;
    }
  }
  return false;
}

/** An integer token count, 0 ≤ n ≤ 2^53−1. */
export const TokenCount = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * RFC 3339 with `Z` or an offset, and a real instant (parsed, never compared as a string) from 1970 on; passed on
 * in UTC (fraction kept), so every offset RFC 3339 allows is storable (Postgres stops at ±15:59).
 */
export const Timestamp = z.iso
  .datetime({ offset: true })
  .refine(
    (s) => Number.isFinite(Date.parse(s)) && isCalendarDate(s.slice(0, 10)) && s.slice(0, 4) >= '1970',
    'not a real instant (RFC 3339, year 1970 or later)',
  )
  .transform(toUtcTimestamp);

export const CalendarDate = z.string().refine(isCalendarDate, 'expected a calendar date YYYY-MM-DD');

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Text Postgres stores exactly as sent: no NUL (text cannot hold it) and no lone surrogate (stored as U+FFFD, so
 * two different ids would become one key).
 */
const StoredText = (min: number, max: number) =>
  z
    .string()
    .min(min)
    .max(max)
    .refine((v) => !v.includes('\u0000'), 'must not contain NUL characters')
    .refine((v) => !LONE_SURROGATE.test(v), 'must be well-formed Unicode (no lone surrogates)');

const Label = (max: number) => StoredText(1, max);

export const Provider = Label(64);
export const Model = Label(200);
export const RuntimeMode = z.enum(['local', 'cloud']);
export const RuntimeStatus = z.enum(['online', 'offline']);
export const TaskStatus = z.enum(['queued', 'running', 'completed', 'failed', 'cancelled']);

/**
 * Free-form JSON about a runtime. The forbidden-key check runs on the raw input: a parsed copy has already lost
 * an own `__proto__` key, which must be refused, not silently dropped.
 */
export const Metadata = z
  .unknown()
  .refine((m) => !hasForbiddenKey(m), 'metadata must not use __proto__, constructor or prototype keys')
  .pipe(z.record(z.string(), z.json()))
  .refine((m) => !JSON.stringify(m).includes('\\u0000'), 'metadata must not contain NUL characters');

export const TokenCounts = z.strictObject({
  input_tokens: TokenCount,
  output_tokens: TokenCount,
  cache_read_tokens: TokenCount,
  cache_write_tokens: TokenCount,
});
export type TokenCounts = z.infer<typeof TokenCounts>;

export const UsageEvent = z
  .strictObject({
    id: Label(200),
    ts: Timestamp,
    provider: Provider,
    model: Model,
    ...TokenCounts.shape,
    task_id: Label(200).optional(),
    /** The part of cache_write_tokens written for one hour (priced higher than 5-minute writes). */
    cache_write_1h_tokens: TokenCount.optional(),
    speed: z.enum(['standard', 'fast']).optional(),
    /** A cost the agent reported itself: authoritative over the price table. */
    cost_usd: z.number().min(0).max(1e6).optional(),
    /** Attribution: the repository (or folder) the agent worked in, its session, and the person running it. */
    project: Label(200).optional(),
    session_id: Label(200).optional(),
    user: Label(200).optional(),
  })
  .refine((e) => (e.cache_write_1h_tokens ?? 0) <= e.cache_write_tokens, {
    message: 'must not exceed cache_write_tokens',
    path: ['cache_write_1h_tokens'],
  });
export type UsageEvent = z.infer<typeof UsageEvent>;

export const Task = z.strictObject({
  id: Label(200),
  status: TaskStatus,
  created_at: Timestamp,
  started_at: Timestamp.optional(),
  completed_at: Timestamp.optional(),
});
export type Task = z.infer<typeof Task>;

/** A runtime id; lower-cased, as Postgres prints uuids, so one runtime is one key however a client spells it. */
export const RuntimeId = z.guid().transform((id) => id.toLowerCase());

export const HelloRuntime = z.strictObject({
  provider: Provider,
  name: Label(200),
  runtime_mode: RuntimeMode,
  metadata: Metadata.optional(),
});

export const HelloPayload = z.strictObject({
  daemon_id: z.guid(),
  device_info: StoredText(0, 500),
  runtimes: z.array(HelloRuntime).min(1).max(32),
});
export type HelloPayload = z.infer<typeof HelloPayload>;

export const UsagePayload = z.strictObject({
  runtime_id: RuntimeId,
  events: z.array(UsageEvent).min(1).max(1000),
});
export type UsagePayload = z.infer<typeof UsagePayload>;

export const TaskPayload = z.strictObject({
  runtime_id: RuntimeId,
  tasks: z.array(Task).min(1).max(1000),
});
export type TaskPayload = z.infer<typeof TaskPayload>;

export const DailyTotalsEntry = z.strictObject({
  date: CalendarDate,
  provider: Provider,
  model: Model,
  ...TokenCounts.shape,
});
export type DailyTotalsEntry = z.infer<typeof DailyTotalsEntry>;

export const DailyTotalsPayload = z.strictObject({
  entries: z.array(DailyTotalsEntry).min(1).max(1000),
});
export type DailyTotalsPayload = z.infer<typeof DailyTotalsPayload>;

export const Runtime = z.object({
  id: z.guid(),
  workspace_id: z.guid(),
  daemon_id: z.guid(),
  name: z.string(),
  runtime_mode: RuntimeMode,
  provider: z.string(),
  status: RuntimeStatus,
  device_info: z.string(),
  metadata: z.record(z.string(), z.unknown()),
  last_seen_at: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type Runtime = z.infer<typeof Runtime>;

export const HelloResult = z.object({ runtimes: z.array(Runtime) });

/** GET /api/me: the caller's workspace and token. */
export const Me = z.object({
  workspace: z.object({ id: z.guid(), name: z.string() }),
  token: z.object({ id: z.guid(), role: z.enum(['member', 'daemon']), name: z.string() }),
});
export type Me = z.infer<typeof Me>;
export type HelloResult = z.infer<typeof HelloResult>;

export const AcceptedResult = z.object({ accepted: z.number().int() });
export type AcceptedResult = z.infer<typeof AcceptedResult>;

export const DailyTotalsResult = z.object({ status: z.literal('ok'), accepted: z.number().int() });

/** How a usage row's cost was made: all agent, all table, both, or unknown (some tokens have no price). */
export const RowCostSource = z.enum(['agent', 'table', 'mixed', 'unknown']);
export type RowCostSource = z.infer<typeof RowCostSource>;

/** One row of the history views: a local day × provider × model. */
export const UsageRow = z.object({
  runtime_id: z.guid(),
  date: z.string(),
  provider: z.string(),
  model: z.string(),
  ...TokenCounts.shape,
  cost_usd: z.number().nullable(),
  /** Contract addition: where the cost came from ('unknown' when some tokens have no price, cost_usd null). */
  cost_source: RowCostSource.optional(),
  /** Contract addition: tokens of the row whose cost is unknown. */
  unpriced_tokens: z.number().optional(),
});
export type UsageRow = z.infer<typeof UsageRow>;

export const ActivityRow = z.object({ hour: z.number().int().min(0).max(23), count: z.number().int() });
export type ActivityRow = z.infer<typeof ActivityRow>;

/** The dimensions a history view can group by (`group_by`). */
export const GroupBy = z.enum(['project', 'user', 'session', 'model', 'runtime']);
export type GroupBy = z.infer<typeof GroupBy>;

export { FOLDED_GROUP, NO_ATTRIBUTION } from './attribution';

/**
 * One row of a grouped history view: a local day × one value of the dimension. Usage without that attribution
 * has key `(none)`; groups past the top ones fold into key `other`.
 */
export const GroupedUsageRow = z.object({
  date: z.string(),
  key: z.string(),
  ...TokenCounts.shape,
  cost_usd: z.number().nullable(),
  /** Contract addition, as on UsageRow. */
  unpriced_tokens: z.number().optional(),
});
export type GroupedUsageRow = z.infer<typeof GroupedUsageRow>;

/** Query of the history views: `days` 1–365 (default 90), `tz` an IANA zone (default UTC). */
export const HistoryQuery = z.object({
  days: z
    .string()
    .regex(/^\d{1,3}$/, 'days must be a whole number from 1 to 365')
    .transform(Number)
    .pipe(z.number().int().min(1, 'days must be at least 1').max(365, 'days must be at most 365'))
    .default(90),
  tz: z.string().default('UTC'),
  format: z.enum(['json', 'csv']).default('json'),
  /** Rows per day × this dimension (top groups plus `other`) instead of per runtime × provider × model. */
  group_by: GroupBy.optional().describe(
    'Rows per local day × this dimension (top groups plus "other") instead of per runtime × provider × model',
  ),
  /** Contract addition: narrow every row to usage of this project, user or session (exact match). */
  project: Label(200)
    .optional()
    .describe('Only usage of this project (exact match; "(none)": usage without a project)'),
  user: Label(200)
    .optional()
    .describe('Only usage of this user (exact match; "(none)": usage without a user)'),
  session: Label(200)
    .optional()
    .describe('Only usage of this session (exact match; "(none)": usage without a session)'),
  /** Contract addition: the default rows are paged by whole local days; a page holds the days before this date. */
  before: CalendarDate.optional().describe(
    'Default rows only (not with group_by): the page of days strictly before this local date, inside the window ' +
      '(from the Link rel="next" of the previous page)',
  ),
});
export type HistoryQuery = z.infer<typeof HistoryQuery>;

/** Contract addition: the cost to add (null when the delta moves tokens of unknown price) and those tokens. */
const DeltaCost = {
  cost_usd: z.number().nullable().optional(),
  unpriced_tokens: z.number().optional(),
};

/** Contract addition: the attribution of the usage a delta adds (absent when the events carried none). */
const DeltaAttribution = {
  project: z.string().optional(),
  user: z.string().optional(),
  session_id: z.string().optional(),
};

/**
 * A delta's token counts: amounts to add, negative where a replaced event left a quarter, model or attribution
 * (or a daily total shrank).
 */
const DeltaCount = z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER);
const DeltaCounts = {
  input_tokens: DeltaCount,
  output_tokens: DeltaCount,
  cache_read_tokens: DeltaCount,
  cache_write_tokens: DeltaCount,
} satisfies Record<keyof TokenCounts, z.ZodType>;

/** An hourly (or daily-totals dated) amount to add, pushed to dashboards. */
export const UsageDelta = z.union([
  z.object({
    hour: z.string(),
    /** Contract addition: start of the UTC quarter-hour inside `hour`, for zones whose days split hours. */
    at: z.string().optional(),
    provider: z.string(),
    model: z.string(),
    ...DeltaCounts,
    ...DeltaCost,
    ...DeltaAttribution,
  }),
  z.object({ date: z.string(), provider: z.string(), model: z.string(), ...DeltaCounts, ...DeltaCost }),
]);
export type UsageDelta = z.infer<typeof UsageDelta>;

/**
 * Contract addition: `commit`, the id of the transaction that committed these deltas (Postgres xid8, decimal text).
 * A dashboard compares it with the snapshot of a REST answer (header X-Usage-Snapshot) to merge each commit once.
 */
/** The id of the transaction that committed a push's change (Postgres xid8, decimal text). */
const CommitId = z.string().regex(/^[0-9]{1,20}$/);

export const UsagePush = z.object({
  runtime_id: z.guid(),
  deltas: z.array(UsageDelta),
  commit: CommitId.optional(),
});
export type UsagePush = z.infer<typeof UsagePush>;

/**
 * Contract addition: `commit`, as on UsagePush, and `previous_at`, what this commit changed in the hourly activity
 * count (a task counts once, at coalesce(started_at, created_at)): that time before the commit, or null when the
 * commit created the task (absent when the hub cannot tell). A dashboard counts the push only when its commit is
 * not visible in the activity answer's snapshot (header X-Usage-Snapshot): minus one at the previous time's hour,
 * plus one at the new one, each when inside its window.
 */
export const TaskPush = z.object({
  runtime_id: z.guid(),
  task: Task,
  commit: CommitId.optional(),
  previous_at: Timestamp.nullable().optional(),
});
export type TaskPush = z.infer<typeof TaskPush>;
