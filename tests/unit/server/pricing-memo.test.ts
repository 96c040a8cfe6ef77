/**
 * The pricer remembers the price each provider × model last resolved to, with its date (server/pricing.ts), so that
 * pricing an event costs no key string and no date slice. That memo must never change a cost: one pricer fed a
 * sequence of events prices each exactly as a fresh pricer (which has seen nothing) does — across a date on which a
 * price changed, and for a timestamp whose first ten characters are the remembered date but whose UTC date is not.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPricer } from '../../../server/pricing';
import type { UsageEvent } from '../../../shared';

const none = { input_tokens: 0, output_tokens: 0, cache_read_tokens: 0, cache_write_tokens: 0 };
/** Opus 4.6 had a >200k tier ($10 in) until 2026-03-13, then a flat $5: the date decides the cost. */
const opus = (ts: string): UsageEvent => ({
  id: 'e',
  ts,
  provider: 'claude',
  model: 'claude-opus-4-6',
  ...none,
  input_tokens: 300_000,
});

describe('the pricer memo', () => {
  it('prices a later date, and an offset timestamp of the remembered date, as of their own UTC dates', () => {
    const pricer = createPricer();
    expect(pricer.event(opus('2026-03-12T10:00:00Z')).cost_usd).toBe(3);
    // Same first ten characters, but 23:30 at -05:00 is 2026-03-13 in UTC: the new price.
    expect(pricer.event(opus('2026-03-12T23:30:00-05:00')).cost_usd).toBe(1.5);
    expect(pricer.event(opus('2026-03-12T11:00:00z')).cost_usd).toBe(3);
    expect(pricer.event(opus('2026-04-01T00:00:00Z')).cost_usd).toBe(1.5);
    expect(pricer.event(opus('2026-03-12T12:00:00.5Z')).cost_usd).toBe(3);
  });

  it('prices every event of a sequence as a fresh pricer does', () => {
    const event = fc.record({
      ts: fc.constantFrom(
        '2026-03-12T10:00:00Z',
        '2026-03-12T23:30:00-05:00',
        '2026-03-13T00:00:00.000Z',
        '2026-03-13T01:00:00+02:00',
        '2026-03-12T22:00:00z',
        '2025-01-01T00:00:00Z',
      ),
      provider: fc.constantFrom('claude', 'codex', 'Claude', 'other'),
      model: fc.constantFrom(
        'claude-opus-4-6',
        'claude-sonnet-4-5',
        'gpt-5',
        'unknown-model',
        'claude-opus-4-6[1m]',
      ),
      input_tokens: fc.constantFrom(0, 1_000, 300_000),
      output_tokens: fc.nat(10_000),
      speed: fc.constantFrom(undefined, 'fast' as const),
    });
    fc.assert(
      fc.property(fc.array(event, { minLength: 1, maxLength: 30 }), (events) => {
        const pricer = createPricer();
        for (const e of events) {
          const u: UsageEvent = { ...none, ...e, id: 'e' };
          expect(pricer.event(u)).toEqual(createPricer().event(u));
        }
      }),
      { numRuns: 200 },
    );
  });
});
