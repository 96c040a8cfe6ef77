/**
 * web/src/live/rows.ts reads the history answers by hand instead of with zod: it must accept exactly what the
 * shared schemas accept, answer zod's output, and name zod's first issue. Checked on the schemas' keys and on
 * thousands of generated bodies (valid rows, and rows with one or two keys changed, removed or added).
 */
import { describe, expect, it } from 'vitest';
import { ActivityRow, GroupedUsageRow, TokenCounts, UsageRow } from '../../../shared/schemas';
import { TOKEN_KINDS } from '../../../shared/tokens';
import { ActivityRows, GroupedRows, type Parser, ROW_KEYS, UsageRows } from '../../../web/src/live/rows';

/** A small seeded generator, so a failure names a body that can be made again. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const ODD_VALUES: unknown[] = [
  null,
  undefined,
  true,
  '',
  '7',
  'agent',
  'other',
  -1,
  0,
  1,
  23,
  24,
  1.5,
  -0.5,
  2 ** 53,
  2 ** 53 - 1,
  -(2 ** 53),
  Number.NaN,
  Number.POSITIVE_INFINITY,
  [],
  {},
  '4f0c8b2e-1d3a-4c5b-9e7f-0a1b2c3d4e5f',
  '4F0C8B2E-1D3A-4C5B-9E7F-0A1B2C3D4E5F',
  '4f0c8b2e1d3a4c5b9e7f0a1b2c3d4e5f',
];

function validUsage(r: () => number): Record<string, unknown> {
  const row: Record<string, unknown> = {
    runtime_id: '0b7e6a52-6f3c-4d8e-a1b2-3c4d5e6f7a8b',
    date: '2026-11-30',
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
    input_tokens: Math.floor(r() * 1e6),
    output_tokens: Math.floor(r() * 1e5),
    cache_read_tokens: Math.floor(r() * 1e7),
    cache_write_tokens: 0,
    cost_usd: r() < 0.2 ? null : r() * 30,
  };
  if (r() < 0.5) row.cost_source = ['agent', 'table', 'mixed', 'unknown'][Math.floor(r() * 4)];
  if (r() < 0.5) row.unpriced_tokens = Math.floor(r() * 100);
  return row;
}

function validGrouped(r: () => number): Record<string, unknown> {
  const { runtime_id, provider, model, cost_source, ...rest } = validUsage(r);
  return { key: model, ...rest };
}

function validActivity(r: () => number): Record<string, unknown> {
  return { hour: Math.floor(r() * 24), count: Math.floor(r() * 500) };
}

/** A body of a few rows, some of them changed: a key set to an odd value, removed, or one added. */
function body(r: () => number, valid: (r: () => number) => Record<string, unknown>, keys: readonly string[]) {
  const rows: unknown[] = Array.from({ length: 1 + Math.floor(r() * 4) }, () => valid(r));
  const changes = Math.floor(r() * 3);
  for (let c = 0; c < changes; c++) {
    const i = Math.floor(r() * rows.length);
    const row = { ...(rows[i] as Record<string, unknown>) };
    const key = keys[Math.floor(r() * keys.length)] ?? 'date';
    const what = r();
    if (what < 0.7) row[key] = ODD_VALUES[Math.floor(r() * ODD_VALUES.length)];
    else if (what < 0.85) delete row[key];
    else row.extra = 'ignored';
    rows[i] = r() < 0.03 ? ODD_VALUES[Math.floor(r() * ODD_VALUES.length)] : row;
  }
  return r() < 0.02 ? ODD_VALUES[Math.floor(r() * ODD_VALUES.length)] : rows;
}

/** Both verdicts on one body, in a form `toEqual` compares fully (data with its key order). */
function verdict(parser: Parser<unknown>, input: unknown) {
  const parsed = parser.safeParse(input);
  if (parsed.success) return { ok: true, data: parsed.data, keys: JSON.stringify(parsed.data) };
  const first = parsed.error.issues[0];
  return { ok: false, path: first?.path, message: first?.message };
}

const cases = [
  { name: 'usage rows', ours: UsageRows, zod: UsageRow.array(), valid: validUsage, keys: ROW_KEYS.UsageRow },
  {
    name: 'per-day totals (grouped rows)',
    ours: GroupedRows,
    zod: GroupedUsageRow.array(),
    valid: validGrouped,
    keys: ROW_KEYS.GroupedUsageRow,
  },
  {
    name: 'activity rows',
    ours: ActivityRows,
    zod: ActivityRow.array(),
    valid: validActivity,
    keys: ROW_KEYS.ActivityRow,
  },
] as const;

describe('history rows read without zod', () => {
  it('know exactly the keys of the shared schemas, in their order', () => {
    expect(ROW_KEYS.UsageRow).toEqual(Object.keys(UsageRow.shape));
    expect(ROW_KEYS.GroupedUsageRow).toEqual(Object.keys(GroupedUsageRow.shape));
    expect(ROW_KEYS.ActivityRow).toEqual(Object.keys(ActivityRow.shape));
    // shared/tokens.ts writes the kinds out (no zod to sum counts): the schema's kinds, in its order.
    expect(TOKEN_KINDS).toEqual(TokenCounts.keyof().options);
  });

  for (const c of cases) {
    it(`answer ${c.name} as zod does: verdict, data and first issue, on 3,000 generated bodies`, () => {
      const r = random(15);
      let accepted = 0;
      for (let n = 0; n < 3000; n++) {
        const input = body(r, c.valid, c.keys);
        const ours = verdict(c.ours, input);
        expect(ours, JSON.stringify(input)).toEqual(verdict(c.zod, input));
        if (ours.ok) accepted++;
      }
      // Both kinds of bodies were tried.
      expect(accepted).toBeGreaterThan(300);
      expect(accepted).toBeLessThan(2700);
    });
  }

  it('answer a body that is not an array with zod message', () => {
    expect(UsageRows.safeParse({ rows: [] })).toEqual({
      success: false,
      error: { issues: [{ path: [], message: 'Invalid input: expected array, received object' }] },
    });
  });
});
