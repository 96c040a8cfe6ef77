/**
 * Calendar helpers shared by the hub (validating `tz`, computing windows) and the dashboard
 * (bucketing live deltas into the viewer's days). All zone maths goes through Intl so DST is exact.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(tz, f);
  }
  return f;
}

/**
 * True for an IANA zone name this runtime knows (and `UTC`).
 * @example isValidTimeZone('Pacific/Auckland') // true
 */
export function isValidTimeZone(tz: string): boolean {
  if (tz.length === 0 || tz.length > 64) return false;
  try {
    partsFormatter(tz);
    return true;
  } catch {
    return false;
  }
}

export interface LocalParts {
  date: string;
  hour: number;
  minute: number;
}

/**
 * The local calendar date and hour of an instant in a zone.
 * @example localParts(new Date('2026-01-01T12:00:00Z'), 'Pacific/Auckland') // { date: '2026-01-02', hour: 1, minute: 0 }
 */
export function localParts(instant: Date | number, tz: string): LocalParts {
  const parts = partsFormatter(tz).formatToParts(instant);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  return {
    date: `${get('year')}-${get('month')}-${get('day')}`,
    hour: Number(get('hour')),
    minute: Number(get('minute')),
  };
}

/**
 * The local date of an instant in a zone, `YYYY-MM-DD`.
 * @example localDate('2026-03-08T10:30:00Z', 'America/Los_Angeles') // '2026-03-08'
 */
export function localDate(instant: Date | number | string, tz: string): string {
  const at = typeof instant === 'string' ? Date.parse(instant) : instant;
  return localParts(at, tz).date;
}

/**
 * Adds whole calendar days to a `YYYY-MM-DD` date.
 * @example addDays('2026-03-01', -1) // '2026-02-28'
 */
export function addDays(date: string, days: number): string {
  const t = Date.parse(`${date}T00:00:00Z`) + days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}

/**
 * The `days` calendar dates ending today in `tz`, newest first.
 * @example windowDates(3, 'UTC', new Date('2026-11-24T10:00:00Z')) // ['2026-11-24', '2026-11-23', '2026-11-22']
 */
export function windowDates(days: number, tz: string, now: Date = new Date()): string[] {
  const today = localDate(now, tz);
  return Array.from({ length: days }, (_, i) => addDays(today, -i));
}

/** True when the string is a real calendar date `YYYY-MM-DD` (no 30 February). */
export function isCalendarDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const t = Date.parse(`${s}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === s;
}
