/**
 * The usage write's batch is an array literal of records spelled by hand (encodeUsageBatch): every text the schema
 * accepts — quotes, backslashes, commas, braces, parentheses, whitespace, the word NULL, non-BMP characters — must
 * be stored exactly as sent, NULL must stay NULL and an empty string empty, on both database kinds, through the
 * insert and the replace paths. Lone surrogates and NUL never reach it: the schema refuses them.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPricer } from '../../server/pricing';
import { createWorkspace, type Database } from '../../server/store';
import { UsageEvent } from '../../shared';
import { claudeRuntimeIn, databaseKinds, writeEventsOf } from '../helpers/databases';

const HOSTILE = [
  'a"b',
  '"',
  '""',
  'back\\slash',
  '\\',
  '\\"',
  '\\\\"\\',
  'comma,here',
  ',',
  '(paren)',
  ')',
  '(',
  '{brace}',
  '}',
  '{"(a,b)"}',
  ' lead and trail ',
  'tab\there',
  'line\nbreak\r',
  'NULL',
  'null',
  '😀 surrogate pair 𝄞',
  '\u2028\u00e9\u0301',
  "it's",
  '\u007f\u0001',
];
const pricer = createPricer();

interface StoredRow {
  id: string;
  provider: string;
  model: string;
  task_id: string | null;
  project: string | null;
  user_name: string | null;
  session_id: string | null;
  ts: string;
  tokens: string;
  agent_cost_usd: number | null;
  cost_usd: number | null;
}

const expectedRow = (e: UsageEvent): StoredRow => ({
  id: e.id,
  provider: e.provider,
  model: e.model,
  task_id: e.task_id ?? null,
  project: e.project ?? null,
  user_name: e.user ?? null,
  session_id: e.session_id ?? null,
  ts: new Date(e.ts).toISOString(),
  tokens: [e.input_tokens, e.output_tokens, e.cache_read_tokens, e.cache_write_tokens].join(' '),
  agent_cost_usd: e.cost_usd ?? null,
  cost_usd: pricer.event(e).cost_usd ?? null,
});

describe('the usage event schema', () => {
  it('refuses lone surrogates and NUL in every label, so the batch never carries them', () => {
    const base = {
      id: 'e',
      ts: '2026-05-01T10:00:00Z',
      provider: 'claude',
      model: 'm',
      input_tokens: 1,
      output_tokens: 1,
      cache_read_tokens: 0,
      cache_write_tokens: 0,
    };
    expect(UsageEvent.safeParse(base).success).toBe(true);
    for (const field of ['id', 'provider', 'model', 'task_id', 'project', 'user', 'session_id']) {
      for (const bad of ['a\ud800', '\udc00b', 'x\udbff\ud800', 'nul\u0000']) {
        expect(UsageEvent.safeParse({ ...base, [field]: bad }).success).toBe(false);
      }
    }
  });
});

describe.each(databaseKinds)('usage batch with hostile labels on %s', (_kind, open) => {
  let db: Database;
  let close: () => Promise<void>;
  let workspaceId: string;

  const newRuntime = () => claudeRuntimeIn(db, workspaceId);
  const write = (rt: string, events: UsageEvent[]) => writeEventsOf(db, rt, events, pricer);
  const stored = async (rt: string) => {
    const rows = await db.query<StoredRow>(
      `SELECT id, provider, model, task_id, project, user_name, session_id,
              to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ts,
              concat_ws(' ', input_tokens, output_tokens, cache_read_tokens, cache_write_tokens) AS tokens,
              agent_cost_usd::float8 AS agent_cost_usd, cost_usd::float8 AS cost_usd
       FROM usage_events WHERE runtime_id = $1`,
      [rt],
    );
    return rows.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  };
  const sortedById = (events: UsageEvent[]) =>
    events.map(expectedRow).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  beforeAll(async () => {
    ({ db, close } = await open());
    workspaceId = (await createWorkspace(db, 'w')).id;
  });
  afterAll(async () => close());

  it('stores every hostile label exactly, inserted and then replaced with attribution', async () => {
    const rt = await newRuntime();
    const first = HOSTILE.map(
      (label, i): UsageEvent => ({
        id: `${label}#${i}`,
        ts: '2026-05-01T10:15:00.250Z',
        provider: label,
        model: `${label}|m`,
        input_tokens: i,
        output_tokens: Number.MAX_SAFE_INTEGER - i,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
        task_id: label,
        ...(i % 2 === 0 ? { cost_usd: [0, 5e-324, 1e-7, 1e6, 0.1 + 0.2][i % 5]! } : {}),
      }),
    );
    for (const e of first) expect(UsageEvent.safeParse(e).success).toBe(true);
    await write(rt, first);
    expect(await stored(rt)).toEqual(sortedById(first));

    // The same totals, now attributed: the replace path reads every field from the batch too.
    const second = first.map((e, i) => ({
      ...e,
      project: HOSTILE[(i + 1) % HOSTILE.length]!,
      user: HOSTILE[(i + 2) % HOSTILE.length]!,
      session_id: HOSTILE[(i + 3) % HOSTILE.length]!,
    }));
    await write(rt, second);
    expect(await stored(rt)).toEqual(sortedById(second));
  });

  it('keeps an empty string empty and a missing field NULL', async () => {
    const rt = await newRuntime();
    // The schema refuses empty labels; the encoder must still not turn one into NULL.
    const events: UsageEvent[] = [
      {
        id: 'empty',
        ts: '2026-05-01T10:00:00Z',
        provider: 'claude',
        model: 'm',
        input_tokens: 1,
        output_tokens: 0,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
        task_id: '',
        project: '',
        user: '',
        session_id: '',
      },
      {
        id: 'none',
        ts: '2026-05-01T10:00:00Z',
        provider: 'claude',
        model: 'm',
        input_tokens: 1,
        output_tokens: 0,
        cache_read_tokens: 0,
        cache_write_tokens: 0,
      },
    ];
    await write(rt, events);
    expect(await stored(rt)).toEqual(sortedById(events));
  });

  it('round-trips any labels the schema accepts', async () => {
    const label = fc
      .oneof(
        fc.constantFrom(...HOSTILE),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 24 }),
        fc.string({
          unit: fc.constantFrom('"', '\\', ',', '(', ')', '{', '}', ' ', 'a', 'é', '😀'),
          minLength: 1,
        }),
      )
      .filter((s) => UsageEvent.safeParse({ ...plain('e'), model: s }).success);
    const events = fc.uniqueArray(
      fc.record({ id: label, model: label, task_id: fc.option(label, { nil: undefined }), project: label }),
      { minLength: 1, maxLength: 8, selector: (e) => e.id },
    );
    await fc.assert(
      fc.asyncProperty(events, async (labels) => {
        const rt = await newRuntime();
        const batch = labels.map(({ task_id, ...rest }) => ({
          ...plain(rest.id),
          ...rest,
          ...(task_id === undefined ? {} : { task_id }),
        }));
        await write(rt, batch);
        expect(await stored(rt)).toEqual(sortedById(batch));
      }),
      { numRuns: 25 },
    );
  });
});

function plain(id: string): UsageEvent {
  return {
    id,
    ts: '2026-05-01T10:00:00Z',
    provider: 'codex',
    model: 'gpt-5',
    input_tokens: 3,
    output_tokens: 4,
    cache_read_tokens: 5,
    cache_write_tokens: 6,
  };
}
