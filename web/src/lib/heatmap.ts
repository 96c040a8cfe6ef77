/**
 * The 13-week activity grid (GitHub style): columns are weeks starting on Sunday, rows are weekdays, the last
 * column holds today. Days are calendar dates in the viewer's zone, so no instant maths happens here.
 */
import { addDays } from '../../../shared/time';
import { monthName, weekdayOf } from './format';

/** Weeks shown on a narrow card; a wide one shows WIDE_WEEKS (half a year). */
export const WEEKS = 13;
export const WIDE_WEEKS = 26;

export interface HeatCell {
  date: string;
  /** 0 = Sunday … 6 = Saturday. */
  row: number;
  col: number;
  value: number;
  level: 0 | 1 | 2 | 3 | 4;
  isToday: boolean;
}

export interface HeatGrid {
  cells: HeatCell[];
  /** Month names placed over the column where that month's first week starts. */
  months: { col: number; label: string }[];
  max: number;
}

/**
 * Level 0 for nothing, else 1–4 by quarter of the busiest day, so the darkest cell is always the maximum.
 * @example heatLevel(30, 100) // 2
 */
export function heatLevel(value: number, max: number): 0 | 1 | 2 | 3 | 4 {
  if (value <= 0 || max <= 0) return 0;
  const q = value / max;
  if (q <= 0.25) return 1;
  if (q <= 0.5) return 2;
  if (q <= 0.75) return 3;
  return 4;
}

/** The grid ending `today` (a local `YYYY-MM-DD`); `values` maps a date to its amount. */
export function heatGrid(today: string, values: ReadonlyMap<string, number>, weeks = WEEKS): HeatGrid {
  const start = addDays(today, -((weeks - 1) * 7 + weekdayOf(today)));
  const days: string[] = [];
  for (let d = start; d <= today; d = addDays(d, 1)) days.push(d);
  const max = days.reduce((m, d) => Math.max(m, values.get(d) ?? 0), 0);
  const cells = days.map((date, i) => {
    const value = values.get(date) ?? 0;
    return {
      date,
      row: i % 7,
      col: Math.floor(i / 7),
      value,
      level: heatLevel(value, max),
      isToday: date === today,
    };
  });
  const months: HeatGrid['months'] = [];
  let lastMonth = '';
  for (let col = 0; col < weeks; col++) {
    const top = cells[col * 7];
    if (!top) continue;
    const m = top.date.slice(0, 7);
    if (m !== lastMonth) {
      months.push({ col, label: monthName(top.date) });
      lastMonth = m;
    }
  }
  // A label on the first column that the next month's label would crowd out is dropped, as GitHub does.
  if (months.length > 1 && (months[1]?.col ?? 99) - (months[0]?.col ?? 0) < 2) months.shift();
  return { cells, months, max };
}
