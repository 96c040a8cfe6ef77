/**
 * The write function locks event rows in the batch's order and no longer sorts it (usage-routine.ts), so the hub
 * sends every batch in one order: runtime id, then event id, in UTF-16 code units (not the locale's order, which
 * differs between machines). That two commits of the same keys then never deadlock is
 * tests/integration/concurrent-same-keys-exact.test.ts's (it fails with `deadlock detected` when batches go
 * unsorted); this checks the order itself, and that sorting changes nothing of which snapshot a key keeps.
 */
import { describe, expect, it } from 'vitest';
import { createPricer } from '../../../server/pricing';
import { inKeyOrder } from '../../../server/store/usage-batch-order';
import { encodeUsageBatch, type RuntimeUsageCall } from '../../../server/store/usage-writes';
import type { UsageEvent } from '../../../shared';

const event = (id: string, output_tokens = 10, project?: string): UsageEvent => ({
  id,
  ts: '2026-12-01T10:00:00.000Z',
  provider: 'claude',
  model: 'claude-sonnet-4-5',
  input_tokens: 1,
  output_tokens,
  cache_read_tokens: 0,
  cache_write_tokens: 0,
  ...(project === undefined ? {} : { project }),
});
const R1 = '0f000000-0000-4000-8000-000000000000';
const R2 = 'a0000000-0000-4000-8000-000000000000';

describe('inKeyOrder', () => {
  it('orders runtimes, then ids, by code units, one call per runtime', () => {
    const calls: RuntimeUsageCall[] = [
      { runtimeId: R2, events: [event('msg_b'), event('msg_B')] },
      { runtimeId: R1, events: [event('z'), event('é'), event('a')] },
      { runtimeId: R2, events: [event('msg_a'), event('Z')] },
    ];
    const ordered = inKeyOrder(calls);
    expect(ordered.map((c) => c.runtimeId)).toEqual([R1, R2]);
    // Code units: upper case before lower case, 'é' (U+00E9) after every ASCII letter.
    expect(ordered.map((c) => c.events.map((e) => e.id))).toEqual([
      ['a', 'z', 'é'],
      ['Z', 'msg_B', 'msg_a', 'msg_b'],
    ]);
    // The callers' arrays are left as they were.
    expect(calls[1]!.events.map((e) => e.id)).toEqual(['z', 'é', 'a']);
  });

  it('keeps the events of one id in the order they came, so the same snapshot wins a tie', () => {
    const pricer = createPricer();
    // Equal totals: the first wins, unless only a later one is attributed.
    const calls: RuntimeUsageCall[] = [
      { runtimeId: R1, events: [event('k', 10, undefined), event('x', 5)] },
      { runtimeId: R1, events: [event('k', 10, 'second'), event('k', 10, 'third')] },
    ];
    const ordered = inKeyOrder(calls);
    expect(ordered[0]!.events.filter((e) => e.id === 'k').map((e) => e.project)).toEqual([
      undefined,
      'second',
      'third',
    ]);
    const encoded = encodeUsageBatch(ordered, pricer);
    expect(encoded).toContain(',second,');
    expect(encoded).not.toContain('third');
    expect(encoded.indexOf('(0f000000-0000-4000-8000-000000000000,k,')).toBeLessThan(
      encoded.indexOf('(0f000000-0000-4000-8000-000000000000,x,'),
    );
  });
});
