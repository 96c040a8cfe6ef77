/**
 * A budget's periods on the calendar of its zone: which period an instant or a local date falls in. The calendar
 * maths itself is in shared/budgets.ts (the dashboard draws the same periods).
 */
import { localParts, type PeriodBounds, periodAt, periodOfDate, periodStartDate } from '../../shared';
import type { BudgetRow } from '../store';

type Calendar = Pick<BudgetRow, 'period' | 'tz'>;

/** The local date the period containing an instant (ms) or a local date starts on. */
export function periodStartOf(b: Calendar, at: number | string): string {
  const date = typeof at === 'string' ? at : localParts(at, b.tz).date;
  return periodStartDate(date, b.period);
}

/** The bounds of the period containing an instant (ms), by default now. */
export function periodAround(b: Calendar, at: number = Date.now()): PeriodBounds {
  return periodAt(at, b.period, b.tz);
}

/** The bounds of the period starting on a local date. */
export function periodFrom(b: Calendar, startDate: string): PeriodBounds {
  return periodOfDate(startDate, b.period, b.tz);
}
