import { describe, expect, it } from 'vitest';
import type { UsageDelta } from '../../../shared/schemas';
import {
  filterKey,
  filterQuery,
  isEmptyFilter,
  matchesFilter,
  readFilter,
  shownValue,
  withFilter,
} from '../../../web/src/lib/filter';
import { parseRoute, routeHref, runtimeHref } from '../../../web/src/lib/route';

const counts = { input_tokens: 1, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 };
const hourly = (attr: Partial<Record<'project' | 'user' | 'session_id', string>>): UsageDelta => ({
  hour: '2026-11-24T10:00:00.000Z',
  provider: 'claude',
  model: 'claude-sonnet-4-5',
  ...counts,
  ...attr,
});

describe('the filter in the address', () => {
  it('reads project, person and session from the overview and the runtime page', () => {
    expect(parseRoute('#/?project=api&user=ana')).toEqual({
      page: 'overview',
      filter: { project: 'api', user: 'ana' },
    });
    expect(parseRoute('#/runtime/abc?days=7&tz=UTC&session=s-1')).toEqual({
      page: 'runtime',
      id: 'abc',
      days: 7,
      tz: 'UTC',
      filter: { session: 's-1' },
    });
  });

  it('leaves the filter out when the address names none, or only empty or over-long values', () => {
    expect(parseRoute('#/?project=&user=')).toEqual({ page: 'overview' });
    expect(parseRoute(`#/?project=${'x'.repeat(201)}`)).toEqual({ page: 'overview' });
    expect(parseRoute(`#/?project=${'x'.repeat(200)}`).filter).toEqual({ project: 'x'.repeat(200) });
  });

  it('writes the filter after range and zone, in a fixed order, and reads back what it wrote', () => {
    const route = {
      page: 'runtime' as const,
      id: 'abc',
      days: 30,
      tz: 'Europe/Paris',
      filter: { session: 's 1', project: 'a/b & c', user: 'ana@example.com' },
    };
    const href = routeHref(route);
    expect(href).toBe(
      '#/runtime/abc?days=30&tz=Europe/Paris&project=a/b+%26+c&user=ana%40example.com&session=s+1',
    );
    expect(parseRoute(href)).toEqual({
      ...route,
      filter: { project: 'a/b & c', user: 'ana@example.com', session: 's 1' },
    });
  });

  it('writes (none) readably and reads it back', () => {
    expect(routeHref({ page: 'overview', filter: { project: '(none)' } })).toBe('#/?project=(none)');
    expect(parseRoute('#/?project=(none)').filter).toEqual({ project: '(none)' });
    expect(parseRoute('#/?project=%28none%29').filter).toEqual({ project: '(none)' });
  });

  it('keeps names with #, ? and = intact through the address', () => {
    const filter = { project: 'we#ird?na=me' };
    expect(parseRoute(routeHref({ page: 'overview', filter })).filter).toEqual(filter);
  });

  it('carries the filter into a runtime link, and writes no empty filter', () => {
    expect(runtimeHref('abc', undefined, undefined, { user: 'ana' })).toBe('#/runtime/abc?user=ana');
    expect(routeHref({ page: 'overview', filter: {} })).toBe('#/');
  });

  it('sets and clears one dimension without touching the others', () => {
    expect(withFilter({ project: 'api' }, 'user', 'ana')).toEqual({ project: 'api', user: 'ana' });
    expect(withFilter({ project: 'api', user: 'ana' }, 'project', undefined)).toEqual({ user: 'ana' });
    expect(withFilter({ project: 'api' }, 'project', 'web')).toEqual({ project: 'web' });
    expect(isEmptyFilter(withFilter({ session: 's' }, 'session', undefined))).toBe(true);
  });

  it('asks the hub with the same parameters', () => {
    expect(filterQuery({})).toBe('');
    expect(filterQuery({ user: 'ana', project: 'a b' })).toBe('&project=a+b&user=ana');
    expect(readFilter(new URLSearchParams(filterKey({ session: 'x&y' })))).toEqual({ session: 'x&y' });
  });
});

describe('which live deltas a filter keeps', () => {
  it('keeps every delta when nothing is filtered', () => {
    expect(matchesFilter(hourly({}), {})).toBe(true);
    expect(matchesFilter({ date: '2026-11-24', provider: 'p', model: 'm', ...counts }, {})).toBe(true);
  });

  it('keeps a delta only when every filtered dimension matches exactly', () => {
    const f = { project: 'api', user: 'ana' };
    expect(matchesFilter(hourly({ project: 'api', user: 'ana', session_id: 's' }), f)).toBe(true);
    expect(matchesFilter(hourly({ project: 'api', user: 'bob' }), f)).toBe(false);
    expect(matchesFilter(hourly({ project: 'API', user: 'ana' }), f)).toBe(false);
    expect(matchesFilter(hourly({ user: 'ana' }), f)).toBe(false);
  });

  it('matches the session filter against the delta session_id', () => {
    expect(matchesFilter(hourly({ session_id: 's-1' }), { session: 's-1' })).toBe(true);
    expect(matchesFilter(hourly({ session_id: 's-2' }), { session: 's-1' })).toBe(false);
  });

  it('matches (none) against a delta that names no value of that dimension', () => {
    expect(matchesFilter(hourly({ user: 'ana' }), { project: '(none)' })).toBe(true);
    expect(matchesFilter(hourly({ project: 'api' }), { project: '(none)' })).toBe(false);
    expect(matchesFilter(hourly({ user: 'ana' }), { project: '(none)', user: 'ana' })).toBe(true);
  });

  it('keeps a daily-totals delta (it names nothing) only while every filtered dimension is (none)', () => {
    const daily: UsageDelta = { date: '2026-11-24', provider: 'p', model: 'm', ...counts };
    expect(matchesFilter(daily, { project: 'api' })).toBe(false);
    expect(matchesFilter(daily, { project: '(none)', user: 'ana' })).toBe(false);
    expect(matchesFilter(daily, { project: '(none)', session: '(none)' })).toBe(true);
  });
});

describe('shownValue', () => {
  it('shows a session UUID by its first 8 characters and every other value whole', () => {
    expect(shownValue('session', '80F7D948-1d79-414e-a71b-0123456789ab')).toBe('80F7D948');
    expect(shownValue('session', 's-1')).toBe('s-1');
    expect(shownValue('session', '80f7d948-1d79-414e-a71b')).toBe('80f7d948-1d79-414e-a71b');
    expect(shownValue('project', '80f7d948-1d79-414e-a71b-0123456789ab')).toBe(
      '80f7d948-1d79-414e-a71b-0123456789ab',
    );
  });
});
