/**
 * Calendar helpers shared by the hub (validating `tz`, computing windows) and the dashboard
 * (bucketing live deltas into the viewer's days). All zone maths goes through Intl so DST is exact.
 */
import { LruCache } from './lru-cache';

/** Bound on each zone cache: well above the ~420 zones ICU knows, so real use never evicts. */
export const TIME_ZONE_CACHE_CAPACITY = 1000;

/** Raw spelling → canonical name (null: unknown). Zone names are case-insensitive, so spellings are unbounded. */
const canonicalNames = new LruCache<string, string | null>({ capacity: TIME_ZONE_CACHE_CAPACITY });
/** Keyed by canonical name only: one formatter per real zone, however it was spelled. */
const formatters = new LruCache<string, Intl.DateTimeFormat>({ capacity: TIME_ZONE_CACHE_CAPACITY });

/**
 * The canonical IANA name of a zone spelling, or undefined when the runtime does not know it.
 * @example canonicalTimeZone('europe/PARIS') // 'Europe/Paris'
 */
export function canonicalTimeZone(tz: string): string | undefined {
  if (tz === 'UTC') return tz;
  if (tz.length === 0 || tz.length > 64) return undefined;
  let name = canonicalNames.get(tz);
  if (name === undefined) {
    try {
      name = new Intl.DateTimeFormat(undefined, { timeZone: tz }).resolvedOptions().timeZone;
    } catch {
      name = null;
    }
    canonicalNames.set(tz, name);
  }
  return name ?? undefined;
}

/** How many entries the zone caches hold, for tests and metrics. */
export function timeZoneCacheSizes(): { spellings: number; formatters: number } {
  return { spellings: canonicalNames.size, formatters: formatters.size };
}

function partsFormatter(tz: string): Intl.DateTimeFormat {
  const zone = canonicalTimeZone(tz);
  if (zone === undefined) throw new RangeError(`unknown time zone ${JSON.stringify(tz)}`);
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    formatters.set(zone, f);
  }
  return f;
}

/**
 * True for an IANA zone name this runtime knows (and `UTC`), in any letter case.
 * @example isValidTimeZone('Pacific/Auckland') // true
 */
export function isValidTimeZone(tz: string): boolean {
  return canonicalTimeZone(tz) !== undefined;
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
  if (tz === 'UTC') {
    const utc = utcParts(instant);
    if (utc) return utc;
  }
  const parts = partsFormatter(tz).formatToParts(instant);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '00';
  return {
    date: `${get('year')}-${get('month')}-${get('day')}`,
    hour: Number(get('hour')),
    minute: Number(get('minute')),
  };
}

/**
 * UTC's parts read from Date itself: no Intl, whose first use costs a page tens of milliseconds before its first
 * charts. Undefined outside years 1000–9999, where Intl's spelling of the year differs (it is not padded).
 */
function utcParts(instant: Date | number): LocalParts | undefined {
  const d = new Date(instant);
  const year = d.getUTCFullYear();
  if (!(year >= 1000 && year <= 9999)) return undefined;
  const pad = (n: number) => String(n).padStart(2, '0');
  return {
    date: `${year}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
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
  // Counted back on the calendar's own numbers: a Date parsed and printed per day cost a dashboard's first
  // render (two windows of 180 days) milliseconds before its charts. Years outside 1–9999, which toISOString
  // spells otherwise, take addDays.
  let y = Number(today.slice(0, 4));
  let m = Number(today.slice(5, 7));
  let d = Number(today.slice(8, 10));
  const out: string[] = [];
  for (let i = 0; i < days; i++) {
    if (!(y >= 1 && y <= 9999 && today.length === 10)) {
      out.push(addDays(today, -i));
      continue;
    }
    out.push(`${String(y).padStart(4, '0')}-${m < 10 ? '0' : ''}${m}-${d < 10 ? '0' : ''}${d}`);
    if (--d === 0) {
      if (--m === 0) {
        m = 12;
        y--;
      }
      d = daysInMonth(y, m);
    }
  }
  return out;
}

/** Days of month `m` (1–12) of year `y` in the proleptic Gregorian calendar, as Date counts them. */
function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** True when the string is a real calendar date `YYYY-MM-DD` (no 30 February). */
export function isCalendarDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const t = Date.parse(`${s}T00:00:00Z`);
  return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === s;
}

const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * The same instant as an RFC 3339 string in UTC, every fraction digit kept. Postgres refuses an offset past
 * ±15:59, which RFC 3339 allows (up to ±23:59); in UTC every instant the contract allows is storable.
 * @example toUtcTimestamp('9999-12-31T23:59:59.5-23:59') // '10000-01-01T23:58:59.5Z'
 */
export function toUtcTimestamp(rfc3339: string): string {
  const m = RFC3339.exec(rfc3339);
  if (!m) throw new RangeError(`not an RFC 3339 timestamp: ${rfc3339}`);
  const [, wholeSeconds, fraction = '', sign, offsetHours, offsetMinutes] = m;
  const offsetMs = sign
    ? (sign === '-' ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000
    : 0;
  const at = new Date(Date.parse(`${wholeSeconds}Z`) - offsetMs);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return (
    `${pad(at.getUTCFullYear(), 4)}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}` +
    `T${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())}${fraction}Z`
  );
}
