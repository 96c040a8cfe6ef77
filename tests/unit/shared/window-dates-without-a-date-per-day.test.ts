import { describe, expect, it } from 'vitest';
import { addDays, windowDates } from '../../../shared/time';

// What windowDates gave before it counted the calendar itself: addDays (a Date per day) from today back.
const byDates = (days: number, tz: string, now: Date) => {
  const today = windowDates(1, tz, now)[0] ?? '';
  return Array.from({ length: days }, (_, i) => addDays(today, -i));
};

describe('windowDates without a Date per day', () => {
  it('gives the dates addDays gives across month ends, leap days and centuries', () => {
    const nows = [
      '2026-03-01T10:00:00Z',
      '2024-03-01T00:00:00Z',
      '2000-03-01T12:00:00Z',
      '1900-03-01T12:00:00Z',
    ];
    for (
      let t = Date.parse('1899-01-01T06:00:00Z');
      t < Date.parse('2101-01-01T00:00:00Z');
      t += 86_400_000 * 97 + 3_600_000
    )
      nows.push(new Date(t).toISOString());
    for (const iso of nows)
      for (const days of [1, 7, 60, 180, 366, 731])
        expect(windowDates(days, 'UTC', new Date(iso)), `${iso} ${days}`).toEqual(
          byDates(days, 'UTC', new Date(iso)),
        );
  });

  it('counts in the viewer’s zone and across the new year', () => {
    const at = new Date('2026-01-01T03:00:00Z');
    expect(windowDates(3, 'America/Los_Angeles', at)).toEqual(['2025-12-31', '2025-12-30', '2025-12-29']);
    expect(windowDates(3, 'Pacific/Auckland', at)).toEqual(['2026-01-01', '2025-12-31', '2025-12-30']);
  });

  it('gives nothing for no days', () => {
    expect(windowDates(0, 'UTC', new Date('2026-11-24T10:00:00Z'))).toEqual([]);
  });
});
