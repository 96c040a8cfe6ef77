/**
 * The usage write's batch parameter is spelled by hand (encodeUsageBatch) instead of `JSON.stringify` of the rows
 * `pricedRow` builds from `collapseByKey`: Postgres must receive the same rows — same keys kept (largest total,
 * ties to the first unless only a later one is attributed), same values, a missing field and null alike — for any
 * text, including quotes, backslashes, commas, parentheses, braces, control characters and non-BMP characters (lone
 * surrogates never get here: the schema refuses them). The batch is an array literal of records; the test reads it
 * back as Postgres's array_in and record_in do (tests/integration/usage-batch-hostile-labels.test.ts checks the rows
 * Postgres really stores).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createPricer } from '../../../server/pricing';
import { BATCH_ROW_FIELDS } from '../../../server/store/usage-routine';
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
    'comma,paren)(',
    '{"(x,y)"}',
    'NULL',
    ' ',
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

/** The batch row's number fields: every other field is text. */
const NUMBER_FIELDS = new Set([
  'input_tokens',
  'output_tokens',
  'cache_read_tokens',
  'cache_write_tokens',
  'cache_write_1h_tokens',
  'agent_cost_usd',
  'cost_usd',
]);

/** The elements of a one-dimensional array literal of quoted elements, unescaped (array_in). */
function arrayElements(literal: string): string[] {
  expect(literal[0]).toBe('{');
  expect(literal.at(-1)).toBe('}');
  const elements: string[] = [];
  let i = 1;
  while (i < literal.length - 1) {
    expect(literal[i]).toBe('"');
    let element = '';
    for (i++; literal[i] !== '"'; i++) element += literal[i] === '\\' ? literal[++i] : literal[i];
    elements.push(element);
    i++;
    if (literal[i] === ',') i++;
  }
  return elements;
}

/** The fields of a record literal, unescaped; null for an empty (unquoted) field (record_in). */
function recordFields(record: string): (string | null)[] {
  expect(record[0]).toBe('(');
  expect(record.at(-1)).toBe(')');
  const fields: (string | null)[] = [];
  let i = 1;
  for (;;) {
    let field = '';
    let quoted = false;
    let inQuote = false;
    while (inQuote || (record[i] !== ',' && record[i] !== ')')) {
      const c = record[i++];
      if (c === '\\') field += record[i++];
      else if (c === '"') {
        quoted = true;
        if (inQuote && record[i] === '"') field += record[i++];
        else inQuote = !inQuote;
      } else field += c;
    }
    fields.push(field === '' && !quoted ? null : field);
    if (record[i++] === ')') break;
  }
  expect(i).toBe(record.length);
  return fields;
}

/**
 * Rows as the write function reads them: a NULL field is left out (as a missing one in pricedRow's rows); it sorts
 * them by key itself, so their order in the batch does not matter.
 */
const asRows = (literal: string) =>
  arrayElements(literal)
    .map((element) => {
      const fields = recordFields(element);
      expect(fields).toHaveLength(BATCH_ROW_FIELDS.length);
      return Object.fromEntries(
        BATCH_ROW_FIELDS.flatMap((name, i) => {
          const v = fields[i];
          if (v === null || v === undefined) return [];
          return [[name, NUMBER_FIELDS.has(name) ? Number(v) : v]];
        }),
      );
    })
    .sort((a, b) => byKey(a).localeCompare(byKey(b)));
const byKey = (row: Record<string, unknown>) => `${row.runtime_id}\u0000${row.id}`;
const withoutNulls = (row: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(row).filter(([, v]) => v !== null && v !== undefined));

function expected(batch: RuntimeUsageCall[]) {
  const events = batch.flatMap(({ runtimeId, events }) =>
    events.map((e) => ({ ...e, runtime_id: runtimeId })),
  );
  return collapseByKey(events)
    .map((e) => withoutNulls(pricedRow(e, pricer)))
    .sort((a, b) => byKey(a).localeCompare(byKey(b)));
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

  it('spells the same rows for runtimes of more than 32 events, with and without repeated ids', () => {
    // keptOf checks up to 32 events pair by pair and collapses larger ones with a Map: both ways are held here.
    const many = fc.array(
      fc.record({
        runtimeId: fc.constantFrom(...RUNTIMES),
        events: fc.array(
          fc.tuple(event, fc.oneof(fc.constantFrom('e1', 'e2'), fc.uuid())).map(([e, id]) => ({ ...e, id })),
          { minLength: 1, maxLength: 40 },
        ),
      }),
      { minLength: 1, maxLength: 3 },
    );
    fc.assert(
      fc.property(many, (batch) => {
        expect(asRows(encodeUsageBatch(batch, pricer))).toEqual(expected(batch));
      }),
      { numRuns: 300 },
    );
  });

  it('spells a batch larger than its reused buffer, and the small one after it', () => {
    // The encoder writes into a buffer it keeps between batches, grown for a large one and shrunk after it.
    const big: RuntimeUsageCall[] = [
      {
        runtimeId: RUNTIMES[0]!,
        events: Array.from({ length: 8_000 }, (_, i) => ({
          id: `event-${i}`,
          ts: '2026-11-30T12:00:00.000Z',
          provider: 'claude',
          model: i % 7 === 0 ? 'modèle-😀' : 'claude-sonnet-4-5',
          input_tokens: i * 1_000_003,
          output_tokens: i,
          cache_read_tokens: 0,
          cache_write_tokens: 2 ** 40 + i,
          ...(i % 3 === 0 ? { project: 'a"b,c)\\d' } : {}),
        })),
      },
    ];
    const encoded = encodeUsageBatch(big, pricer);
    expect(encoded.length).toBeGreaterThan(1024 * 1024);
    expect(asRows(encoded)).toEqual(expected(big));
    const small: RuntimeUsageCall[] = [{ runtimeId: RUNTIMES[1]!, events: big[0]!.events.slice(0, 2) }];
    expect(asRows(encodeUsageBatch(small, pricer))).toEqual(expected(small));
  });

  it('is empty for no events', () => {
    expect(encodeUsageBatch([], pricer)).toBe('');
  });
});
