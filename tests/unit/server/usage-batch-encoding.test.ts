/**
 * The usage write's batch parameter is spelled by hand (encodeUsageBatch) instead of `JSON.stringify` of the rows
 * `pricedRow` builds from `collapseByKey`: Postgres must receive the same rows — same keys kept (largest total,
 * ties to the first unless only a later one is attributed), same values, a missing field and null alike — for any
 * text, including quotes, backslashes, control characters, lone surrogates and non-BMP characters.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPricer } from '../../../server/pricing';
import {
  collapseByKey,
  encodeUsageBatch,
  pricedRow,
  type RuntimeUsageCall,
} from '../../../server/store/usage-writes';
import type { UsageEvent } from '../../../shared';
import { REQUIRED_EVENT_KEYS } from '../../helpers/arbitraries';

const pricer = createPricer();
const RUNTIMES = ['0b6f1c2e-1111-4222-8333-444455556666', '11111111-2222-4333-8444-555555555555'];
const text = fc.oneof(
  fc.constantFrom(
    'e1',
    'e2',
    'a"b',
    'back\\slash',
    'tab\there',
    'line\nbreak',
    '😀',
    '\u2028',
    '</script>',
    'lone \ud800',
    'del\u007f',
  ),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 12 }),
);
const count = fc.oneof(fc.constantFrom(0, 1, 2, Number.MAX_SAFE_INTEGER), fc.nat(1_000_000));
const event: fc.Arbitrary<UsageEvent> = fc.record(
  {
    id: fc.constantFrom('e1', 'e2', 'e3', 'a"b'),
    ts: fc.constantFrom('2026-11-30T12:00:00.000Z', '2025-01-01T00:00:00Z', '2026-03-08T10:30:00.5Z'),
    provider: fc.constantFrom('claude', 'codex', 'other'),
    model: fc.oneof(fc.constantFrom('claude-sonnet-4-5', 'gpt-5', 'unknown-model'), text),
    input_tokens: count,
    output_tokens: count,
    cache_read_tokens: count,
    cache_write_tokens: count,
    task_id: text,
    cache_write_1h_tokens: fc.nat(10),
    speed: fc.constantFrom('standard' as const, 'fast' as const),
    cost_usd: fc.oneof(fc.constantFrom(0, 0.1, 1e6), fc.double({ min: 0, max: 1e6, noNaN: true })),
    project: text,
    session_id: text,
    user: text,
  },
  {
    requiredKeys: REQUIRED_EVENT_KEYS,
  },
);
const calls: fc.Arbitrary<RuntimeUsageCall[]> = fc.array(
  fc.record({
    runtimeId: fc.constantFrom(...RUNTIMES),
    events: fc.array(event, { minLength: 1, maxLength: 4 }),
  }),
  { maxLength: 4 },
);

/**
 * Rows as the write function reads them: a missing field and a null are both NULL (json_populate_recordset), so
 * both are left out; it sorts them by key itself, so their order in the batch does not matter.
 */
const asRows = (json: string) =>
  (JSON.parse(json) as Record<string, unknown>[])
    .map((row) => Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null)))
    .sort((a, b) => byKey(a).localeCompare(byKey(b)));
const byKey = (row: Record<string, unknown>) => `${row.runtime_id}\u0000${row.id}`;

function expected(batch: RuntimeUsageCall[]) {
  const events = batch.flatMap(({ runtimeId, events }) =>
    events.map((e) => ({ ...e, runtime_id: runtimeId })),
  );
  const rows = collapseByKey(events).map((e) => pricedRow(e, pricer));
  return rows.length === 0 ? [] : asRows(JSON.stringify(rows));
}

describe('usage batch encoding', () => {
  it('spells the rows pricedRow and collapseByKey make', () => {
    fc.assert(
      fc.property(calls, (batch) => {
        const encoded = encodeUsageBatch(batch, pricer);
        expect(encoded === '' ? [] : asRows(encoded)).toEqual(expected(batch));
      }),
      { numRuns: 2_000 },
    );
  });

  it('is empty for no events', () => {
    expect(encodeUsageBatch([], pricer)).toBe('');
  });
});
