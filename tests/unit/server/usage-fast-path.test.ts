/**
 * The hand-written check of `usage` calls (server/ingest/usage-fast-path.ts) must never decide differently from
 * the shared zod schema: whatever it accepts, `UsagePayload` accepts and returns as an equal value. Fuzzed with
 * valid payloads carrying every optional field and with the fuzz suites' hostile mutations of them; and the
 * payload a daemon actually sends takes the fast path (else the hub would pay for zod again unnoticed).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { syntheticEvent } from '../../../server/daemon/simulate';
import { fastUsagePayload } from '../../../server/ingest/usage-fast-path';
import { UsageEvent, UsagePayload } from '../../../shared';
import {
  BAD_TIMESTAMPS,
  type FuzzContext,
  fuzzRuns,
  keyLabel,
  label,
  mutated,
  REQUIRED_EVENT_KEYS,
  validCount,
  validTimestamp,
} from '../../helpers/arbitraries';

const ctx: FuzzContext = {
  own: ['0b6f1c2e-1111-4222-8333-444455556666', 'ABCDEF01-2345-4678-9ABC-DEF012345678'],
  foreign: ['11111111-2222-4333-8444-555555555555'],
  daemonIds: ['22222222-3333-4444-8555-666666666666'],
};

const timestamp = fc.oneof(
  { arbitrary: validTimestamp, weight: 20 },
  { arbitrary: fc.constantFrom(...BAD_TIMESTAMPS), weight: 1 },
  {
    arbitrary: fc.constantFrom(
      '1969-12-31T23:59:59Z',
      '1970-01-01T00:00:00Z',
      '2000-02-29T00:00:00Z',
      '2100-02-29T00:00:00Z',
      '2026-11-30T12:00:00.1Z',
      '2026-11-30T12:00:00.1234Z',
      '2026-11-30T12:00:00.Z',
      '2026-11-30T12:00:00z',
    ),
    weight: 1,
  },
);

/** Mostly what daemons send (ASCII), else the fuzz suites' strange strings and lengths. */
const text = (max: number) =>
  fc.oneof(
    { arbitrary: fc.string({ minLength: 1, maxLength: 30 }), weight: 40 },
    { arbitrary: fc.constant(''), weight: 1 },
    { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 5 }), weight: 1 },
    { arbitrary: label(max), weight: 1 },
    { arbitrary: fc.constantFrom('x'.repeat(max), 'x'.repeat(max + 1), 'a\u0000b', 'a\uD800b'), weight: 1 },
  );

const event = fc.record(
  {
    id: fc.oneof(text(200), keyLabel(200), fc.constant('😀')),
    ts: timestamp,
    provider: text(64),
    model: text(200),
    input_tokens: validCount,
    output_tokens: validCount,
    cache_read_tokens: validCount,
    cache_write_tokens: validCount,
    task_id: text(200),
    cache_write_1h_tokens: validCount,
    speed: fc.oneof(
      { arbitrary: fc.constantFrom('standard', 'fast'), weight: 8 },
      { arbitrary: fc.constant('slow'), weight: 1 },
    ),
    cost_usd: fc.oneof(
      { arbitrary: fc.double({ min: 0, max: 1e6, noNaN: true }), weight: 8 },
      { arbitrary: fc.constantFrom(-1, 1e6 + 1, -0), weight: 1 },
    ),
    project: text(200),
    session_id: text(200),
    user: text(200),
  },
  {
    requiredKeys: REQUIRED_EVENT_KEYS,
    noNullPrototype: true,
  },
);
/** Mostly a one-hour share within the cache writes (the schema's cross-field rule), sometimes past them. */
const eventWithinRules = fc.tuple(event, fc.nat(9)).map(([e, dice]) => {
  if (dice > 0 && typeof e.cache_write_1h_tokens === 'number')
    e.cache_write_1h_tokens = Math.min(e.cache_write_1h_tokens, e.cache_write_tokens);
  return e;
});
const payload = fc.record(
  {
    runtime_id: fc.oneof(
      { arbitrary: fc.constantFrom(...ctx.own, ...ctx.foreign), weight: 6 },
      { arbitrary: fc.uuid(), weight: 2 },
      { arbitrary: fc.string(), weight: 1 },
    ),
    events: fc.oneof(
      { arbitrary: fc.array(eventWithinRules, { minLength: 1, maxLength: 3 }), weight: 20 },
      { arbitrary: fc.constant([]), weight: 1 },
    ),
  },
  { noNullPrototype: true },
);

/** What the wire hands the hub: the JSON of the call, parsed (lone surrogates survive JSON.stringify escaped). */
const overTheWire = (v: unknown) => JSON.parse(JSON.stringify(v) ?? 'null') as unknown;

/** Calls the fast path decided (accepted), so the tests can show that it was exercised, not only skipped. */
let decided = 0;

function agrees(input: unknown): void {
  const fast = fastUsagePayload(input);
  if (fast === undefined) return;
  decided++;
  const parsed = UsagePayload.safeParse(input);
  expect(parsed.success).toBe(true);
  expect(fast).toStrictEqual(parsed.data);
}

/** A plain event in the daemon's spelling, for the tests that change one field of it. */
const PLAIN_EVENT = {
  id: 'e1',
  ts: '2026-11-30T12:00:00Z',
  provider: 'claude',
  model: 'claude-sonnet-4-5',
  input_tokens: 1,
  output_tokens: 2,
  cache_read_tokens: 3,
  cache_write_tokens: 4,
};

describe('usage fast path', () => {
  it('accepts only what the schema accepts, and returns what it returns', () => {
    decided = 0;
    fc.assert(
      fc.property(payload, (p) => agrees(overTheWire(p))),
      fuzzRuns(6_000),
    );
    expect(decided).toBeGreaterThan(200);
  });

  it('agrees with the schema on hostile mutations of valid payloads', () => {
    decided = 0;
    fc.assert(
      fc.property(mutated(payload, ctx), (p) => agrees(p)),
      fuzzRuns(6_000),
    );
    expect(decided).toBeGreaterThan(60);
  });

  it("takes the daemon's own payload, lower-casing the runtime id as the schema does", () => {
    const at = new Date('2026-11-30T12:34:56.789Z');
    const events = [syntheticEvent('claude', () => 0.5, at), syntheticEvent('codex', () => 0.25, at)].map(
      (e) => ({
        ...e,
        project: 'runtime-hub',
        user: 'anna',
        session_id: 's-1',
        cache_write_1h_tokens: 0,
        speed: 'standard',
      }),
    );
    const input = overTheWire({ runtime_id: ctx.own[1], events });
    const fast = fastUsagePayload(input);
    expect(fast).toStrictEqual(UsagePayload.parse(input));
    expect(fast?.runtime_id).toBe('abcdef01-2345-4678-9abc-def012345678');
  });

  it('leaves offsets, surrogate pairs and sub-millisecond fractions to the schema', () => {
    const call = (e: object) => ({ runtime_id: ctx.own[0], events: [{ ...PLAIN_EVENT, ...e }] });
    expect(fastUsagePayload(call({}))).toBeDefined();
    for (const unusual of [
      { ts: '2026-11-30T13:00:00+01:00' },
      { ts: '2026-11-30T12:00:00.123456Z' },
      { id: 'e😀' },
      { cache_write_1h_tokens: 5 },
      { extra: 1 },
    ])
      expect(fastUsagePayload(call(unusual))).toBeUndefined();
  });

  it("holds each field to the schema's own limits, read from it: at the limit taken, one past it left to zod", () => {
    const call = (e: object, n = 1) => ({
      runtime_id: ctx.own[0],
      events: Array.from({ length: n }, (_, i) => ({ ...PLAIN_EVENT, id: `e${i}`, ...e })),
    });
    const longest = UsageEvent.shape.provider.maxLength ?? 0;
    const most = 1000; // the contract's most events per call
    expect(longest).toBe(64);
    expect(fastUsagePayload(call({ provider: 'p'.repeat(longest) }))).toBeDefined();
    expect(fastUsagePayload(call({ provider: 'p'.repeat(longest + 1) }))).toBeUndefined();
    expect(fastUsagePayload(call({ cost_usd: 1e6 }))).toBeDefined();
    expect(fastUsagePayload(call({ cost_usd: 1e6 + 0.01 }))).toBeUndefined();
    expect(fastUsagePayload(call({}, most))?.events).toHaveLength(1000);
    expect(fastUsagePayload(call({}, most + 1))).toBeUndefined();
  });
});
