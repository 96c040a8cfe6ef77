/**
 * Budgets (CONTRACT.md section 4): what a member creates over REST, the live state pushed to dashboards as a
 * `budget` event, the delivery log of threshold alerts, and the calendar of a budget's periods. Schemas are the
 * single source; the types are inferred from them.
 */
import { z } from 'zod';
import { addDays, canonicalTimeZone, localParts } from './time';

const Name = z
  .string()
  .min(1)
  .max(200)
  .refine((v) => ![...v].some((c) => c.charCodeAt(0) < 0x20), 'must not contain control characters');

export const BudgetScopeKind = z.enum(['workspace', 'runtime', 'provider', 'model']);
export type BudgetScopeKind = z.infer<typeof BudgetScopeKind>;

/**
 * What a budget counts: the whole workspace, one runtime (its id), one provider or one model (exact names, as the
 * usage views show them).
 */
export const BudgetScope = z
  .strictObject({ kind: BudgetScopeKind, value: z.string().min(1).max(200).optional() })
  .superRefine((s, ctx) => {
    if (s.kind === 'workspace' && s.value !== undefined)
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'must be absent for a workspace budget' });
    if (s.kind !== 'workspace' && s.value === undefined)
      ctx.addIssue({ code: 'custom', path: ['value'], message: `is required for a ${s.kind} budget` });
    if (s.kind === 'runtime' && s.value !== undefined && !z.guid().safeParse(s.value).success)
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'must be a runtime id' });
  })
  .transform((s) => (s.kind === 'runtime' && s.value ? { ...s, value: s.value.toLowerCase() } : s));
export type BudgetScope = z.infer<typeof BudgetScope>;

export const BudgetPeriod = z.enum(['day', 'week', 'month']);
export type BudgetPeriod = z.infer<typeof BudgetPeriod>;

/** An IANA zone, passed on under its canonical name. */
export const TimeZoneName = z
  .string()
  .refine((tz) => canonicalTimeZone(tz) !== undefined, 'must be an IANA time zone such as Europe/Paris')
  .transform((tz) => canonicalTimeZone(tz)!);

/** Thresholds in percent of the amount: 1–10 distinct values above 0 and at most 1000, sorted. */
export const Thresholds = z
  .array(z.number().positive().max(1000))
  .min(1)
  .max(10)
  .refine((t) => new Set(t).size === t.length, 'must not repeat a value')
  .transform((t) => [...t].sort((a, b) => a - b));

export const DEFAULT_THRESHOLDS = [50, 80, 100];

/** A URL, or null when the text is not one. */
function parseUrl(text: string): URL | null {
  try {
    return new URL(text);
  } catch {
    return null;
  }
}

const SLACK_HOSTS = new Set(['hooks.slack.com', 'hooks.slack-gov.com']);

/**
 * True for a Slack incoming-webhook URL (it takes a `{ text }` body instead of the generic JSON).
 * @example isSlackWebhook('https://hooks.slack.com/services/T0/B0/x') // true
 */
export function isSlackWebhook(url: string): boolean {
  const u = parseUrl(url);
  return u !== null && SLACK_HOSTS.has(u.hostname) && u.pathname.startsWith('/services/');
}

/** An absolute http(s) URL without credentials; the hub POSTs alerts to it. */
export const WebhookUrl = z
  .string()
  .max(2000)
  .refine((v) => {
    const u = parseUrl(v);
    return u !== null && (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  }, 'must be an absolute http:// or https:// URL')
  .refine((v) => {
    const u = parseUrl(v);
    return u === null || (u.username === '' && u.password === '');
  }, 'must not carry a user name or password');

export const BudgetAmount = z.number().positive().max(1e9);

export const Budget = z.object({
  id: z.guid(),
  name: z.string(),
  scope: z.object({ kind: BudgetScopeKind, value: z.string().optional() }),
  period: BudgetPeriod,
  tz: z.string(),
  amount_usd: z.number(),
  thresholds: z.array(z.number()),
  webhook_url: z.string().optional(),
});
export type Budget = z.infer<typeof Budget>;

/** POST /api/budgets. */
export const BudgetInput = z.strictObject({
  name: Name,
  scope: BudgetScope,
  period: BudgetPeriod,
  tz: TimeZoneName.default('UTC'),
  amount_usd: BudgetAmount,
  thresholds: Thresholds.default(DEFAULT_THRESHOLDS),
  webhook_url: WebhookUrl.optional(),
});
export type BudgetInput = z.infer<typeof BudgetInput>;

/** PATCH /api/budgets/{id}: any subset; `webhook_url: null` removes the webhook. */
export const BudgetPatch = z
  .strictObject({
    name: Name,
    scope: BudgetScope,
    period: BudgetPeriod,
    tz: TimeZoneName,
    amount_usd: BudgetAmount,
    thresholds: Thresholds,
    webhook_url: WebhookUrl.nullable(),
  })
  .partial();
export type BudgetPatch = z.infer<typeof BudgetPatch>;

export const BudgetState = z.object({
  budget_id: z.guid(),
  /** The period's first and end instants (local midnights in the budget's zone). */
  period_start: z.string(),
  period_end: z.string(),
  spent_usd: z.number(),
  projected_usd: z.number(),
  /** When spent plus the projected burn reaches the amount within this period; null if it does not (or did already). */
  projected_cross_at: z.string().nullable(),
  /** Thresholds crossed in this period (each alerted once). */
  crossed: z.array(z.number()),
});
export type BudgetState = z.infer<typeof BudgetState>;

export const AlertStatus = z.enum(['pending', 'sent', 'failed', 'no_webhook', 'cancelled']);
export type AlertStatus = z.infer<typeof AlertStatus>;

/** One threshold crossing and its delivery (GET /api/budgets/{id}/alerts). */
export const BudgetAlert = z.object({
  id: z.guid(),
  budget_id: z.guid(),
  /** The local date the period starts on, in the budget's zone. */
  period_start: z.string(),
  threshold: z.number(),
  /** Spend when the crossing was recorded. */
  spent_usd: z.number(),
  created_at: z.string(),
  status: AlertStatus,
  attempts: z.number().int(),
  last_error: z.string().nullable(),
  last_status: z.number().int().nullable(),
  next_attempt_at: z.string().nullable(),
  sent_at: z.string().nullable(),
});
export type BudgetAlert = z.infer<typeof BudgetAlert>;

/** The body POSTed to a generic webhook (a Slack URL gets `{ text }`): `alert_id` repeats the Idempotency-Key. */
export const AlertWebhookBody = z.object({
  alert_id: z.guid(),
  budget: Budget,
  state: BudgetState,
  threshold: z.number(),
});
export type AlertWebhookBody = z.infer<typeof AlertWebhookBody>;

/**
 * The local date a period containing `date` starts on: the day itself, the Monday on or before it, or the
 * first of its month.
 * @example periodStartDate('2026-03-29', 'week') // '2026-03-23'
 */
export function periodStartDate(date: string, period: BudgetPeriod): string {
  if (period === 'day') return date;
  if (period === 'month') return `${date.slice(0, 8)}01`;
  const weekday = new Date(`${date}T00:00:00Z`).getUTCDay(); // 0 = Sunday
  return addDays(date, -((weekday + 6) % 7));
}

/**
 * The local date the next period starts on.
 * @example nextPeriodStartDate('2026-12-01', 'month') // '2027-01-01'
 */
export function nextPeriodStartDate(start: string, period: BudgetPeriod): string {
  if (period === 'day') return addDays(start, 1);
  if (period === 'week') return addDays(start, 7);
  const [y, m] = start.split('-').map(Number) as [number, number];
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`;
}

const QUARTER_HOUR = 15 * 60_000;

/**
 * The first instant of a local calendar date in a zone (its local midnight, or the first minute after a DST gap
 * that swallowed midnight).
 * @example startOfLocalDate('2026-03-29', 'Europe/Paris') // 1774738800000 (2026-03-28T23:00:00Z)
 */
export function startOfLocalDate(date: string, tz: string): number {
  const midnightUtc = Date.parse(`${date}T00:00:00Z`);
  // Two rounds of "take the zone's offset at the guess" settle on local midnight wherever it exists.
  let t = midnightUtc;
  for (let i = 0; i < 2; i++) {
    const p = localParts(t, tz);
    const shownAsUtc = Date.parse(
      `${p.date}T${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}:00Z`,
    );
    t = midnightUtc - (shownAsUtc - (t - (t % 60_000)));
  }
  // Offsets are whole quarter hours: step to the first instant whose local date is `date`.
  while (localParts(t, tz).date < date) t += QUARTER_HOUR;
  while (localParts(t - QUARTER_HOUR, tz).date === date) t -= QUARTER_HOUR;
  return t;
}

export interface PeriodBounds {
  /** Local dates: the first of the period, and the first of the next. */
  startDate: string;
  endDate: string;
  /** Instants (ms). */
  start: number;
  end: number;
}

/**
 * The period of a budget that contains an instant.
 * @example periodAt(Date.parse('2026-03-29T12:00:00Z'), 'week', 'Europe/Paris').startDate // '2026-03-23'
 */
export function periodAt(instant: number, period: BudgetPeriod, tz: string): PeriodBounds {
  return periodOfDate(localParts(instant, tz).date, period, tz);
}

/** The period of a budget that contains a local date. */
export function periodOfDate(date: string, period: BudgetPeriod, tz: string): PeriodBounds {
  const startDate = periodStartDate(date, period);
  const endDate = nextPeriodStartDate(startDate, period);
  return { startDate, endDate, start: startOfLocalDate(startDate, tz), end: startOfLocalDate(endDate, tz) };
}
