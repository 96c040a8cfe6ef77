import { describe, expect, it } from 'vitest';
import {
  BudgetInput,
  BudgetPatch,
  isSlackWebhook,
  nextPeriodStartDate,
  periodAt,
  periodOfDate,
  periodStartDate,
  startOfLocalDate,
} from '../../../shared';

const iso = (t: number) => new Date(t).toISOString();

describe('budget periods', () => {
  it('starts weeks on Monday and months on the first, rolling over the year', () => {
    expect(periodStartDate('2026-03-29', 'week')).toBe('2026-03-23'); // a Sunday
    expect(periodStartDate('2026-03-30', 'week')).toBe('2026-03-30'); // a Monday
    expect(periodStartDate('2026-02-28', 'month')).toBe('2026-02-01');
    expect(nextPeriodStartDate('2026-12-01', 'month')).toBe('2027-01-01');
    expect(nextPeriodStartDate('2026-12-28', 'week')).toBe('2027-01-04');
  });

  it('bounds a day in Europe/Paris across the spring DST change at 23 hours', () => {
    const p = periodOfDate('2026-03-29', 'day', 'Europe/Paris');
    expect(iso(p.start)).toBe('2026-03-28T23:00:00.000Z');
    expect(iso(p.end)).toBe('2026-03-29T22:00:00.000Z');
    expect(p.end - p.start).toBe(23 * 3_600_000);
  });

  it('bounds a day in America/New_York across the autumn DST change at 25 hours', () => {
    const p = periodOfDate('2026-11-01', 'day', 'America/New_York');
    expect(iso(p.start)).toBe('2026-11-01T04:00:00.000Z');
    expect(iso(p.end)).toBe('2026-11-02T05:00:00.000Z');
    expect(p.end - p.start).toBe(25 * 3_600_000);
  });

  it('puts instants either side of a local midnight in different periods in two zones', () => {
    // 22:30Z on 2026-03-28 is 23:30 in Paris (still the 28th) and 18:30 in New York.
    const t = Date.parse('2026-03-28T22:30:00Z');
    expect(periodAt(t, 'day', 'Europe/Paris').startDate).toBe('2026-03-28');
    expect(periodAt(t + 3_600_000, 'day', 'Europe/Paris').startDate).toBe('2026-03-29');
    expect(periodAt(t, 'day', 'America/New_York').startDate).toBe('2026-03-28');
    expect(periodAt(Date.parse('2026-03-29T04:00:00Z'), 'day', 'America/New_York').startDate).toBe(
      '2026-03-29',
    );
  });

  it('bounds a week that contains a DST change (Europe/Paris) at 167 hours', () => {
    const p = periodAt(Date.parse('2026-03-29T12:00:00Z'), 'week', 'Europe/Paris');
    expect(p.startDate).toBe('2026-03-23');
    expect(p.endDate).toBe('2026-03-30');
    expect(iso(p.start)).toBe('2026-03-22T23:00:00.000Z');
    expect(iso(p.end)).toBe('2026-03-29T22:00:00.000Z');
  });

  it('bounds a month in a zone with a half-hour offset', () => {
    const p = periodAt(Date.parse('2026-11-15T00:00:00Z'), 'month', 'Asia/Kolkata');
    expect(iso(p.start)).toBe('2026-10-31T18:30:00.000Z');
    expect(iso(p.end)).toBe('2026-11-30T18:30:00.000Z');
  });

  it('starts a day whose midnight a DST gap swallowed at the first local minute after it', () => {
    // America/Santiago springs forward at 24:00 on 2026-09-05: the 6th starts at 01:00 local (04:00Z).
    expect(iso(startOfLocalDate('2026-09-06', 'America/Santiago'))).toBe('2026-09-06T04:00:00.000Z');
  });
});

describe('budget input', () => {
  const valid = { name: 'team', scope: { kind: 'workspace' }, period: 'month', amount_usd: 100 };

  it('fills thresholds and zone, sorts thresholds and canonicalises the zone', () => {
    expect(BudgetInput.parse(valid)).toMatchObject({ thresholds: [50, 80, 100], tz: 'UTC' });
    expect(BudgetInput.parse({ ...valid, thresholds: [100, 25], tz: 'europe/paris' })).toMatchObject({
      thresholds: [25, 100],
      tz: 'Europe/Paris',
    });
  });

  it.each([
    [{ ...valid, amount_usd: 0 }, 'amount_usd'],
    [{ ...valid, tz: 'Mars/Olympus' }, 'tz'],
    [{ ...valid, period: 'year' }, 'period'],
    [{ ...valid, thresholds: [50, 50] }, 'thresholds'],
    [{ ...valid, thresholds: [] }, 'thresholds'],
    [{ ...valid, scope: { kind: 'model' } }, 'scope.value'],
    [{ ...valid, scope: { kind: 'workspace', value: 'x' } }, 'scope.value'],
    [{ ...valid, scope: { kind: 'runtime', value: 'not-a-uuid' } }, 'scope.value'],
    [{ ...valid, webhook_url: 'ftp://example.com/x' }, 'webhook_url'],
    [{ ...valid, webhook_url: 'https://user:pw@example.com/x' }, 'webhook_url'],
    [{ ...valid, extra: 1 }, ''],
  ])('refuses %j naming %s', (input, field) => {
    const result = BudgetInput.safeParse(input);
    expect(result.success).toBe(false);
    if (field) expect(result.error!.issues[0]!.path.join('.')).toBe(field);
  });

  it('lets a patch remove the webhook with null', () => {
    expect(BudgetPatch.parse({ webhook_url: null })).toEqual({ webhook_url: null });
  });

  it('recognises Slack incoming webhooks only', () => {
    expect(isSlackWebhook('https://hooks.slack.com/services/T0/B0/x')).toBe(true);
    expect(isSlackWebhook('https://hooks.slack.com.evil.example/services/x')).toBe(false);
    expect(isSlackWebhook('https://example.com/services/x')).toBe(false);
  });
});
