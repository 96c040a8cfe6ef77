/**
 * Regression: the fuzz suites' `duplicate` mutation copied an array's first element through JSON, and threw
 * (`"undefined" is not valid JSON`) when that element was undefined — as after deleting the payload and wrapping
 * what was left in an array. The suite then failed on a seed that made that sequence, not on anything the hub did
 * (CI, usage-fast-path, "agrees with the schema on hostile mutations of valid payloads"). It now copies it as null,
 * as the other branch of the mutation does.
 */
import { describe, expect, it } from 'vitest';
import { mutate } from '../helpers/fuzz/payloads';

describe('fuzz payload mutations', () => {
  it('duplicating an array whose first element is undefined adds null instead of throwing', () => {
    const mutated = mutate({ a: 1 }, [
      { op: 'delete', at: 0 },
      { op: 'wrap', at: 0, inArray: true },
      { op: 'duplicate', at: 0 },
    ]);
    expect(mutated).toEqual([undefined, null]);
  });
});
