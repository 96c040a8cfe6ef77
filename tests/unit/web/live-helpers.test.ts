import { describe, expect, it } from 'vitest';
import { usageCsv } from '../../../shared/csv';
import type { Task } from '../../../shared/schemas';
import { stack, zeroBasedRange } from '../../../web/src/charts/series';
import { countTask, hourlyFromRows } from '../../../web/src/lib/activity';
import { assignModelColors, modelColor, paletteSize } from '../../../web/src/lib/colors';
import { parseRoute, routeHref, runtimeHref, tokenFromHash } from '../../../web/src/lib/route';
import { isStale, STALE_AFTER_MS } from '../../../web/src/lib/stale';

describe('hourly task distribution', () => {
  const empty = { counts: hourlyFromRows([]), seen: new Set<string>() };
  const task = (id: string, status: Task['status'], started?: string): Task => ({
    id,
    status,
    created_at: '2026-11-24T09:10:00Z',
    ...(started ? { started_at: started } : {}),
  });

  it('reads the 24 rows of the hub', () => {
    expect(
      hourlyFromRows([
        { hour: 3, count: 2 },
        { hour: 23, count: 1 },
      ]),
    ).toEqual([0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
  });

  it('counts a task at the local hour of started_at, else created_at', () => {
    const a = countTask(empty, task('a', 'queued'), 'Europe/Berlin', '2026-11-01');
    expect(a.counts[10]).toBe(1);
    const b = countTask(empty, task('b', 'running', '2026-11-24T13:59:00Z'), 'Europe/Berlin', '2026-11-01');
    expect(b.counts[14]).toBe(1);
  });

  it('counts a task once however many status updates arrive', () => {
    let s = countTask(empty, task('a', 'queued'), 'UTC', '2026-11-01');
    s = countTask(s, task('a', 'running'), 'UTC', '2026-11-01');
    s = countTask(s, task('a', 'completed'), 'UTC', '2026-11-01');
    expect(s.counts.reduce((x, y) => x + y, 0)).toBe(1);
  });

  it('does not count a task from before the window', () => {
    const s = countTask(empty, task('a', 'completed'), 'UTC', '2026-11-25');
    expect(s.counts.every((c) => c === 0)).toBe(true);
  });
});

describe('model colours', () => {
  it('are stable for a name', () => {
    expect(modelColor('claude-opus-4-5')).toBe(modelColor('claude-opus-4-5'));
  });

  it('never repeat within a set shown together', () => {
    const names = Array.from({ length: paletteSize }, (_, i) => `model-${i}`);
    const colors = assignModelColors(names);
    expect(new Set(colors.values()).size).toBe(paletteSize);
  });

  it('depend on the set, not on the order models arrive in', () => {
    const a = assignModelColors(['x', 'y', 'z']);
    const b = assignModelColors(['z', 'x', 'y']);
    expect([...a.entries()].sort()).toEqual([...b.entries()].sort());
  });
});

describe('chart shaping', () => {
  it('stacks series bottom-up', () => {
    expect(
      stack([
        [1, 2],
        [10, 20],
        [100, 200],
      ]),
    ).toEqual([
      [1, 2],
      [11, 22],
      [111, 222],
    ]);
  });

  it('always starts the y axis at zero', () => {
    expect(zeroBasedRange(0)).toEqual([0, 1]);
    expect(zeroBasedRange(7)).toEqual([0, 8]);
    expect(zeroBasedRange(2_300_000)).toEqual([0, 2_500_000]);
    expect(zeroBasedRange(95)).toEqual([0, 100]);
  });
});

describe('CSV', () => {
  it('has the hub columns and quotes what needs quoting', () => {
    const csv = usageCsv([
      {
        runtime_id: 'r',
        date: '2026-11-24',
        provider: 'claude',
        model: 'odd,"name"',
        input_tokens: 1,
        output_tokens: 2,
        cache_read_tokens: 3,
        cache_write_tokens: 4,
        cost_usd: null,
      },
    ]);
    expect(csv).toBe(
      'runtime_id,date,provider,model,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,cost_usd\r\n' +
        'r,2026-11-24,claude,"odd,""name""",1,2,3,4,\r\n',
    );
  });
});

describe('routes', () => {
  it('reads the runtime page and falls back to the overview', () => {
    expect(parseRoute('#/runtime/abc-1')).toEqual({ page: 'runtime', id: 'abc-1' });
    expect(parseRoute('#/')).toEqual({ page: 'overview' });
    expect(parseRoute('')).toEqual({ page: 'overview' });
  });

  it('reads a range named in the link, ignoring ranges the page does not offer', () => {
    expect(parseRoute('#/runtime/abc?days=90')).toEqual({ page: 'runtime', id: 'abc', days: 90 });
    expect(parseRoute('#/runtime/abc?days=45')).toEqual({ page: 'runtime', id: 'abc' });
    expect(runtimeHref('a b', 365)).toBe('#/runtime/a%20b?days=365');
    expect(runtimeHref('abc')).toBe('#/runtime/abc');
  });

  it('reads and writes the zone of the view, ignoring a zone the browser does not know', () => {
    expect(parseRoute('#/?tz=Europe/Paris')).toEqual({ page: 'overview', tz: 'Europe/Paris' });
    expect(parseRoute('#/runtime/abc?days=7&tz=America/New_York')).toEqual({
      page: 'runtime',
      id: 'abc',
      days: 7,
      tz: 'America/New_York',
    });
    expect(parseRoute('#/?tz=Mars/Olympus')).toEqual({ page: 'overview' });
    expect(routeHref({ page: 'runtime', id: 'abc', days: 90, tz: 'Europe/Paris' })).toBe(
      '#/runtime/abc?days=90&tz=Europe/Paris',
    );
    expect(routeHref({ page: 'overview' })).toBe('#/');
  });

  it('takes a token from a sign-in link', () => {
    expect(tokenFromHash('#token=rh_m_abc')).toBe('rh_m_abc');
    expect(tokenFromHash('#token=')).toBeNull();
    expect(tokenFromHash('#/runtime/x')).toBeNull();
  });
});

describe('staleness', () => {
  const t0 = Date.parse('2026-11-24T10:00:00Z');
  const online = { status: 'online' as const, updated_at: '2026-11-24T09:00:00Z' };

  it('flags an online runtime without deltas for 10 minutes of watching', () => {
    expect(isStale(online, undefined, t0, t0 + STALE_AFTER_MS)).toBe(true);
    expect(isStale(online, undefined, t0, t0 + STALE_AFTER_MS - 1)).toBe(false);
  });

  it('restarts the wait at each delta', () => {
    expect(isStale(online, t0 + 60_000, t0, t0 + STALE_AFTER_MS)).toBe(false);
  });

  it('never flags an offline runtime', () => {
    expect(isStale({ ...online, status: 'offline' }, undefined, t0, t0 + 3_600_000)).toBe(false);
  });
});
