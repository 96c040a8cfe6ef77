import { describe, expect, it } from 'vitest';
import { formatDecimal } from '../../../web/src/lib/decimal';

const int = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const usd = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});

/** A deterministic spread of values: integers, cents, halves, tiny and huge magnitudes, both signs. */
function samples(): number[] {
  const out = [
    0,
    -0,
    0.5,
    1.5,
    2.5,
    -2.5,
    1.005,
    1.015,
    0.125,
    9999.995,
    999_999.5,
    1e-7,
    5e-7,
    1.5e21,
    2 ** 53 - 1,
  ];
  let seed = 42;
  const next = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let i = 0; i < 5000; i++) {
    const magnitude = 10 ** Math.floor(next() * 16 - 6);
    const v = next() * magnitude;
    out.push(v, -v, Math.round(v * 1000) / 1000, Math.round(v * 200) / 200);
  }
  return out;
}

describe('decimal text without Intl', () => {
  it('writes integers as Intl en-US does (grouping, rounding half away from zero, signs)', () => {
    for (const n of samples()) expect(formatDecimal(n, 0), String(n)).toBe(int.format(n));
  });

  it('writes dollars with two decimals as Intl en-US currency does', () => {
    for (const n of samples()) expect(formatDecimal(n, 2, '$'), String(n)).toBe(usd.format(n));
  });

  it('handles the values Intl writes as words or symbols', () => {
    expect(formatDecimal(Number.NaN, 0)).toBe(int.format(Number.NaN));
    expect(formatDecimal(Number.POSITIVE_INFINITY, 2, '$')).toBe(usd.format(Number.POSITIVE_INFINITY));
    expect(formatDecimal(Number.NEGATIVE_INFINITY, 0)).toBe(int.format(Number.NEGATIVE_INFINITY));
  });
});
