import { describe, expect, it } from 'vitest';
import { HubError } from '../../../server/errors';
import { historyWindow } from '../../../server/http/history-window';

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

  it('reads the hourly rollup only where every UTC hour stays inside one local day', () => {
    const now = new Date('2026-11-24T20:00:00Z');
    expect(historyWindow(365, 'America/Los_Angeles', now).wholeHourOffsets).toBe(true);
    expect(historyWindow(365, 'Pacific/Auckland', now).wholeHourOffsets).toBe(true);
    expect(historyWindow(30, 'Asia/Kolkata', now).wholeHourOffsets).toBe(false);
    expect(historyWindow(30, 'Asia/Kathmandu', now).wholeHourOffsets).toBe(false);
    // Lord Howe shifts by half an hour for DST: +10:30 in winter, +11 in summer.
    expect(historyWindow(365, 'Australia/Lord_Howe', now).wholeHourOffsets).toBe(false);
  });

  it('refuses an unknown zone as invalid input', () => {
    expect(() => historyWindow(7, 'Mars/Olympus')).toThrow(HubError);
  });
});
