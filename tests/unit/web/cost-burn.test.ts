import { describe, expect, it } from 'vitest';
import { trailingBurn } from '../../../web/src/charts/cost-burn';

describe('burn rate on the cost chart', () => {
  it('is the mean cost of the last 7 days, and a gap until the range holds 7 days', () => {
    const cost = [7, 0, 0, 0, 0, 0, 0, 14, 7];
    expect(trailingBurn(cost)).toEqual([null, null, null, null, null, null, 1, 2, 3]);
  });

  it('holds no value on a range shorter than its window', () => {
    expect(trailingBurn([1, 2, 3])).toEqual([null, null, null]);
  });
});
