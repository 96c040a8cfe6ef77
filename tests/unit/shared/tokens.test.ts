import { describe, expect, it } from 'vitest';
import { TokenCounts } from '../../../shared/schemas';
import { addCounts, addInto, byKind, isZero, TOKEN_KINDS, totalOf, zeroCounts } from '../../../shared/tokens';

const counts = { input_tokens: 1, output_tokens: 20, cache_read_tokens: 300, cache_write_tokens: 4000 };

describe('token kinds', () => {
  it('lists exactly the keys of the TokenCounts schema, in its order', () => {
    expect(TOKEN_KINDS).toEqual(['input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens']);
    expect(TOKEN_KINDS).toEqual(Object.keys(TokenCounts.shape));
  });

  it('totals the four kinds', () => {
    expect(totalOf(counts)).toBe(4321);
    expect(totalOf(zeroCounts())).toBe(0);
  });

  it('says zero only when every kind is zero', () => {
    expect(isZero(zeroCounts())).toBe(true);
    expect(isZero({ ...zeroCounts(), cache_write_tokens: 1 })).toBe(false);
  });

  it('adds into a new object without touching either input', () => {
    const a = { ...counts };
    expect(addCounts(a, counts)).toEqual({
      input_tokens: 2,
      output_tokens: 40,
      cache_read_tokens: 600,
      cache_write_tokens: 8000,
    });
    expect(a).toEqual(counts);
  });

  it('adds in place, leaving the other fields of the target alone', () => {
    const t = { ...zeroCounts(), tokens: 7 };
    expect(addInto(t, counts)).toBe(t);
    expect(t).toEqual({ ...counts, tokens: 7 });
  });

  it('makes a fresh value per kind', () => {
    const lists = byKind(() => [] as number[]);
    lists.input_tokens.push(1);
    expect(lists).toEqual({
      input_tokens: [1],
      output_tokens: [],
      cache_read_tokens: [],
      cache_write_tokens: [],
    });
  });
});
