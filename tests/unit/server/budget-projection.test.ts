import { describe, expect, it } from 'vitest';
import { project } from '../../../server/budgets/projection';

const HOUR = 3_600_000;
const now = Date.parse('2026-11-30T12:00:00Z');

/** A history of `perHour` dollars every hour for `hours` hours before now. */
function steady(perHour: number, hours: number, at = now): Map<number, number> {
  const m = new Map<number, number>();
  for (let h = 1; h <= hours; h++) m.set(Math.floor(at / HOUR) * HOUR - h * HOUR, perHour);
  return m;
}

describe('budget projection', () => {
  it('projects the last 24 hours forward when the history is younger than a week', () => {
    const p = project({ now, end: now + 10 * HOUR, spent: 5, amount: 100, hourly: steady(2.4, 24) });
    // 23 full past hours plus the current (empty) one: 2.4 × 23 / 24 = 2.3 per hour.
    expect(p.projected).toBeCloseTo(5 + 2.3 * 10, 9);
    expect(p.crossAt).toBeNull();
  });

  it('weighs the same weekday-hours of past weeks half against the recent rate', () => {
    const hourly = steady(1, 24 * 29);
    // Four weeks ago and since, the coming hour was 9 dollars busier than usual.
    const slot = Math.floor(now / HOUR) * HOUR + HOUR;
    for (let w = 1; w <= 4; w++) hourly.set(slot - w * 7 * 24 * HOUR, 10);
    const p = project({ now, end: slot + HOUR, spent: 0, amount: 1e6, hourly });
    const r24 = 23 / 24;
    // The current hour (a usual one) then the busy one.
    expect(p.projected).toBeCloseTo((r24 + 1) / 2 + (r24 + 10) / 2, 9);
  });

  it('finds the moment the amount is projected to be crossed, and none once it is already crossed', () => {
    const hourly = steady(1, 24);
    hourly.set(Math.floor(now / HOUR) * HOUR, 1); // the current hour too: r24 = 1 $/h
    const p = project({ now, end: now + 48 * HOUR, spent: 10, amount: 15.5, hourly });
    expect(p.crossAt).toBe(now + 5.5 * HOUR);
    expect(project({ now, end: now + 48 * HOUR, spent: 20, amount: 15.5, hourly }).crossAt).toBeNull();
  });

  it('projects nothing more than the spend with no recent usage', () => {
    expect(project({ now, end: now + 5 * HOUR, spent: 3, amount: 10, hourly: new Map() })).toEqual({
      projected: 3,
      crossAt: null,
    });
  });
});
