import { describe, expect, it } from 'vitest';
import { HubError } from '../../../server/errors';
import { historyWindow } from '../../../server/http/history-window';
import { localParts } from '../../../shared';

describe('history window', () => {
  it('ends today in the zone and spans exactly `days` local dates', () => {
    const now = new Date('2026-11-24T20:00:00Z');
    expect(historyWindow(1, 'UTC', now)).toMatchObject({ startDate: '2026-11-24', endDate: '2026-11-24' });
    // 20:00Z is already the 25th in Auckland (UTC+13 in November).
    expect(historyWindow(7, 'Pacific/Auckland', now)).toMatchObject({
      startDate: '2026-11-19',
      endDate: '2026-11-25',
    });
    expect(historyWindow(90, 'America/Los_Angeles', now)).toMatchObject({
      startDate: '2026-08-27',
      endDate: '2026-11-24',
    });
  });

  it('relies on every zone the runtime knows having quarter-hour offsets over any window a view can ask', () => {
    // The store sums days from UTC quarter-hours: exact only if no zone's offset splits a quarter. Probe every
    // zone twice a month from a year back to a year ahead (offsets last months; the window is the last 365 days).
    const zones = Intl.supportedValuesOf('timeZone');
    const from = Date.parse('2025-06-01T00:00:00Z');
    const odd: string[] = [];
    for (const tz of zones) {
      for (let t = from; t < from + 730 * 86_400_000 && !odd.includes(tz); t += 15 * 86_400_000) {
        if (localParts(t, tz).minute % 15 !== 0) odd.push(tz);
      }
    }
    expect(zones.length).toBeGreaterThan(300);
    expect(odd).toEqual([]);
  });

  it('refuses an unknown zone as invalid input', () => {
    expect(() => historyWindow(7, 'Mars/Olympus')).toThrow(HubError);
  });
});
