import { describe, expect, it } from 'vitest';
import { costColor, kindColor, modelColor } from '../../../web/src/lib/colors';
import {
  ago,
  compact,
  dayLabel,
  exact,
  percent,
  shortDate,
  usdCompact,
  usdExact,
  usdPrecise,
  weekdayOf,
} from '../../../web/src/lib/format';
import { modelName } from '../../../web/src/lib/model-name';

describe('compact numbers for cards and axes', () => {
  it.each([
    [0, '0'],
    [999, '999'],
    [1000, '1K'],
    [1234, '1.2K'],
    [12_400_000, '12.4M'],
    [124_000_000, '124M'],
    [999_960, '1M'],
    [2_500_000_000, '2.5B'],
    [3e12, '3T'],
  ])('%d → %s', (n, text) => {
    expect(compact(n)).toBe(text);
  });
});

describe('exact numbers for tooltips and tables', () => {
  it('groups thousands', () => {
    expect(exact(1234567)).toBe('1,234,567');
    expect(exact(0)).toBe('0');
  });
});

describe('money', () => {
  it('shows cents on cards below ten thousand dollars', () => {
    expect(usdCompact(81.5)).toBe('$81.50');
    expect(usdCompact(0)).toBe('$0.00');
    expect(usdCompact(9999.994)).toBe('$9,999.99');
  });

  it('goes compact from ten thousand dollars', () => {
    expect(usdCompact(12_345)).toBe('$12.3K');
    expect(usdCompact(2_000_000)).toBe('$2M');
  });

  it('is exact with separators in tooltips', () => {
    expect(usdExact(12345.678)).toBe('$12,345.68');
  });

  it('keeps sub-cent amounts visible in tables', () => {
    expect(usdPrecise(0.0042)).toBe('$0.0042');
    expect(usdPrecise(0)).toBe('$0.00');
    expect(usdPrecise(3.1)).toBe('$3.10');
  });
});

describe('percent', () => {
  it('has one decimal', () => {
    expect(percent(0.1234)).toBe('12.3%');
    expect(percent(1)).toBe('100.0%');
  });
});

describe('ago', () => {
  const t = Date.parse('2026-01-01T00:00:00Z');
  it.each([
    [0, 'just now'],
    [12_000, '12 s ago'],
    [59_999, '59 s ago'],
    [60_000, '1 min ago'],
    [3_600_000, '1 h ago'],
    [47 * 3_600_000, '47 h ago'],
    [3 * 86_400_000, '3 d ago'],
  ])('%d ms later → %s', (ms, text) => {
    expect(ago('2026-01-01T00:00:00Z', t + ms)).toBe(text);
  });

  it('says never for no timestamp', () => {
    expect(ago(null, t)).toBe('never');
  });

  it('does not go negative when the clock is behind the hub', () => {
    expect(ago('2026-01-01T00:00:05Z', t)).toBe('just now');
  });
});

describe('calendar labels', () => {
  it('names the weekday of a calendar date without a zone', () => {
    expect(weekdayOf('2026-11-24')).toBe(2);
    expect(dayLabel('2026-11-24')).toBe('Tue 24 Nov');
    expect(dayLabel('2026-03-01')).toBe('Sun 1 Mar');
  });

  it('has short axis dates', () => {
    expect(shortDate('2026-11-04')).toBe('4 Nov');
  });
});

describe('friendly model names', () => {
  it('names Claude and GPT models as people say them, and leaves unknown ids as they are', () => {
    expect(modelName('claude-sonnet-4-5-20250929')).toBe('Sonnet 4.5');
    expect(modelName('claude-opus-4-1')).toBe('Opus 4.1');
    expect(modelName('claude-haiku-4-5-20251001')).toBe('Haiku 4.5');
    expect(modelName('claude-3-5-sonnet-20241022')).toBe('Sonnet 3.5');
    expect(modelName('gpt-5-codex')).toBe('GPT-5 Codex');
    expect(modelName('gpt-5-mini')).toBe('GPT-5 mini');
    expect(modelName('gpt-4o-2024-08-06')).toBe('GPT-4o');
    expect(modelName('gpt-5')).toBe('GPT-5');
    expect(modelName('mystery-model')).toBe('mystery-model');
  });
});

describe('model colours', () => {
  it('keeps model colours apart from the token-kind and cost colours', () => {
    const models = [
      'claude-sonnet-4-5',
      'claude-opus-4-5',
      'claude-haiku-4-5',
      'gpt-5',
      'gpt-5-codex',
      'gpt-5-mini',
    ];
    const taken = new Set([...Object.values(kindColor), costColor].map((c) => c.toLowerCase()));
    for (const m of models) expect(taken.has(modelColor(m))).toBe(false);
    expect(new Set(models.map(modelColor)).size).toBe(models.length);
  });
});
