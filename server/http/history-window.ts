/**
 * The calendar window of a history request: the last `days` local dates in `tz` including today. The zone is
 * normalised to its canonical name first, so its spelling never multiplies cache entries. Any zone works the same
 * way: the store's quarter-hour rollup splits every real zone's days exactly.
 */
import { canonicalTimeZone, windowDates } from '../../shared';
import { HubError } from '../errors';
import { type HistoryWindow, StoreError } from '../store';

export function historyWindow(days: number, rawTz: string, now: Date = new Date()): HistoryWindow {
  const tz = canonicalTimeZone(rawTz);
  if (tz === undefined)
    throw new HubError('invalid_payload', `tz: unknown time zone ${JSON.stringify(rawTz)}`);
  const dates = windowDates(days, tz, now);
  return { startDate: dates[dates.length - 1]!, endDate: dates[0]!, tz };
}

/** Intl and Postgres do not know the same zones: one Postgres does not know is the caller's input. */
export async function inZone<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof StoreError && err.kind === 'unknown_zone')
      throw new HubError('invalid_payload', 'tz: unknown time zone');
    throw err;
  }
}
