/**
 * Number, money and time formatting: compact on cards and axes (`12.4M`, `$81.50`), exact with thousands
 * separators in tooltips and tables. Pure and locale-pinned (en-US) so tests and screenshots are stable.
 */

import { formatDecimal } from './decimal';

// Not Intl.NumberFormat: the first Intl object of a page costs tens of milliseconds, before the first charts.
const exactInt = { format: (n: number) => formatDecimal(n, 0) };
const usd2 = { format: (n: number) => formatDecimal(n, 2, '$') };

const units: ReadonlyArray<[number, string]> = [
  [1e12, 'T'],
  [1e9, 'B'],
  [1e6, 'M'],
  [1e3, 'K'],
];

/** One decimal below 100 of a unit, none above: `1.2K`, `12.4M`, `124M`. */
function scaled(n: number): string {
  const abs = Math.abs(n);
  for (const [size, suffix] of units) {
    if (abs >= size) {
      const v = n / size;
      // 999.96K rounds to "1000K"; move it up to the next unit instead.
      const text = Math.abs(v) >= 99.95 ? Math.round(v).toString() : (Math.round(v * 10) / 10).toString();
      if (text === '1000' && suffix !== 'T') return scaled(Math.sign(n) * size * 1000);
      return `${text}${suffix}`;
    }
  }
  return Math.round(n).toString();
}

/** @example compact(12_400_000) // '12.4M' */
export function compact(n: number): string {
  return scaled(n);
}

/** @example exact(1234567) // '1,234,567' */
export function exact(n: number): string {
  return exactInt.format(n);
}

/** USD with cents below ten thousand, compact above. @example usdCompact(81.5) // '$81.50' */
export function usdCompact(n: number): string {
  if (Math.abs(n) >= 10_000) return `${n < 0 ? '-' : ''}$${scaled(Math.abs(n))}`;
  return usd2.format(n);
}

/** @example usdExact(12345.678) // '$12,345.68' */
export function usdExact(n: number): string {
  return usd2.format(n);
}

/** Small amounts keep sub-cent precision in tables so a $0.004 row is not shown as $0.00. */
export function usdPrecise(n: number): string {
  if (n !== 0 && Math.abs(n) < 0.01) return `$${n.toFixed(4)}`;
  return usd2.format(n);
}

/** @example percent(0.1234) // '12.3%' */
export function percent(ratio: number, digits = 1): string {
  return `${(ratio * 100).toFixed(digits)}%`;
}

/**
 * "12 s ago", "5 min ago", "3 h ago", "2 d ago"; "just now" under a second; "never" for null.
 * @example ago('2026-01-01T00:00:00Z', Date.parse('2026-01-01T00:00:12Z')) // '12 s ago'
 */
export function ago(iso: string | null, now: number): string {
  if (!iso) return 'never';
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return 'never';
  const s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 1) return 'just now';
  if (s < 60) return `${s} s ago`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.floor(h / 24)} d ago`;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'] as const;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

/** Weekday of a calendar date, 0 = Sunday; the date names a day, so no zone is involved. */
export function weekdayOf(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

/** @example monthName('2026-11-24') // 'Nov' */
export function monthName(date: string): string {
  return MONTHS[Number(date.slice(5, 7)) - 1] ?? '';
}

/** @example dayLabel('2026-11-24') // 'Tue 24 Nov' */
export function dayLabel(date: string): string {
  return `${WEEKDAYS[weekdayOf(date)]} ${Number(date.slice(8, 10))} ${monthName(date)}`;
}

/** Short axis label. @example shortDate('2026-11-04') // '4 Nov' */
export function shortDate(date: string): string {
  return `${Number(date.slice(8, 10))} ${monthName(date)}`;
}

export const weekdayNames = WEEKDAYS;

let clock: Intl.DateTimeFormat | undefined;

/** A wall-clock time in the browser's zone. @example clockTime(Date.now()) // '14:21:05' */
export function clockTime(ms: number): string {
  // Built on first use (the hub-lost banner), not while the page loads.
  clock ??= new Intl.DateTimeFormat('en-US', {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  });
  return clock.format(ms);
}
