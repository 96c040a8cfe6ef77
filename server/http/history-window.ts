/**
 * The calendar window of a history request: the last `days` local dates in `tz` including today, and whether
 * every UTC hour in it falls inside one local day (true for zones with whole-hour offsets, e.g. not Asia/Kolkata).
 * The zone is normalised to its canonical name first, so its spelling never multiplies cache entries.
 */
import { addDays, canonicalTimeZone, LruCache, localParts, windowDates } from '../../shared';
import { HubError } from '../errors';
import type { HistoryWindow } from '../store';

/** Zone × window → whole-hour offsets; a client picks both, so the cache is bounded. */
export const wholeHourCache = new LruCache<string, boolean>({ capacity: 1000 });

function offsetsAreWholeHours(tz: string, startDate: string, endDate: string): boolean {
  if (tz === 'UTC') return true;
  const key = `${tz}|${startDate}|${endDate}`;
  let whole = wholeHourCache.get(key);
  if (whole === undefined) {
    whole = true;
    // One probe per day plus one either side: an offset change inside a day still shows on the next probe.
    for (let d = addDays(startDate, -1); d <= addDays(endDate, 1) && whole; d = addDays(d, 1)) {
      whole = localParts(Date.parse(`${d}T12:00:00Z`), tz).minute === 0;
    }
    wholeHourCache.set(key, whole);
  }
  return whole;
}

export function historyWindow(days: number, rawTz: string, now: Date = new Date()): HistoryWindow {
  const tz = canonicalTimeZone(rawTz);
  if (tz === undefined)
    throw new HubError('invalid_payload', `tz: unknown time zone ${JSON.stringify(rawTz)}`);
  const dates = windowDates(days, tz, now);
  const endDate = dates[0]!;
  const startDate = dates[dates.length - 1]!;
  return { startDate, endDate, tz, wholeHourOffsets: offsetsAreWholeHours(tz, startDate, endDate) };
}
