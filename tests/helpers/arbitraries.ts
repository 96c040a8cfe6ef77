/**
 * Hostile input for the fuzz suites: fast-check arbitraries of mutated daemon payloads (wrong types, bad numbers
 * and dates, missing and extra keys, prototype keys, deep nesting, huge arrays, long and strange strings, other
 * workspaces' ids), hostile ids, headers and query strings for REST, and the oracles that say — from the shared
 * schemas alone — what the hub must answer to each.
 */
import fc from 'fast-check';
import {
  DailyTotalsPayload,
  type ErrorCode,
  HelloPayload,
  HistoryQuery,
  RuntimeId,
  TaskPayload,
  UsagePayload,
} from '../../shared';

/** The hub's default MAX_PAYLOAD_BYTES (the fuzz suites do not change it). */
export const MAX_PAYLOAD_BYTES = 1_048_576;

/** Ids the fuzzing daemon owns and ids it must never reach. */
export interface FuzzContext {
  own: string[];
  foreign: string[];
  daemonIds: string[];
}

// ---------------------------------------------------------------------------------------------- strings

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** What Postgres stores for a JS string: lone surrogates become U+FFFD on the way through UTF-8. */
export const wellFormed = (s: string) => s.replace(LONE_SURROGATE, '\uFFFD');
export const hasLoneSurrogate = (s: string) => s.search(LONE_SURROGATE) >= 0;

const SPECIAL_UNITS = [
  '\u0000', // NUL: Postgres text refuses it
  '\u202E', // right-to-left override
  '\u200F',
  '\u200B', // zero-width space, joiner, BOM, word joiner
  '\u200D',
  '\uFEFF',
  '\u2060',
  '\u0301', // combining accent
  '\u{1F469}\u200D\u{1F4BB}',
  '\u{1F600}',
  '\u{1F1FA}\u{1F1E6}',
  'ש',
  'ع',
  '\n',
  '\r',
  '"',
  "'",
  '\\',
  '<',
  '%',
  '\uD800', // lone surrogates
  '\uDBFF',
  '\uDC00',
  '\uDFFF',
];
export const INJECTIONS = [
  "'; DROP TABLE usage_events; --",
  "' OR '1'='1",
  '1; SELECT pg_sleep(10)',
  '$1',
  '<img src=x onerror="window.__pwned=1">',
  '"><script>window.__pwned=1</script>',
  '{{constructor.constructor("return process")()}}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, on purpose
  '${process.exit()}',
  '../../../../etc/passwd',
  '%s%s%s%n',
  'null',
  'NaN',
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  '\u202Egnp.exe',
  'مرحبا بالعالم',
  'שלום עולם',
  '👩‍💻🚀🔥',
  'Z̸̡̢͔͓a̶̧̛l̷g̸o̵',
];
const unit = fc.oneof(
  { arbitrary: fc.constantFrom(...SPECIAL_UNITS), weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 2 },
  { arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 1 }), weight: 3 },
);
/** Lengths at and around every limit of the contract: provider 64, labels 200, device_info 500. */
const LIMIT_LENGTHS = [0, 1, 63, 64, 65, 199, 200, 201, 499, 500, 501, 5000];
const atLimit = fc
  .tuple(fc.constantFrom(...LIMIT_LENGTHS), fc.constantFrom('x', 'é', '😀', '\u200B', 'ש'))
  .map(([n, c]) => c.repeat(n).slice(0, n));
/** Beyond MAX_PAYLOAD_BYTES on its own, still below the transport limit (4 × that) even three times over. */
const oversized = fc.constantFrom(1_100_000, 1_250_000).map((n) => 'x'.repeat(n));

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ unit, maxLength: 40 }), weight: 12 },
  { arbitrary: fc.constantFrom(...INJECTIONS), weight: 6 },
  { arbitrary: atLimit, weight: 6 },
  {
    arbitrary: fc
      .array(fc.constantFrom(...INJECTIONS, ...SPECIAL_UNITS), { minLength: 1, maxLength: 6 })
      .map((parts) => parts.join('')),
    weight: 3,
  },
  { arbitrary: oversized, weight: 1 },
);
/** A label the schema accepts by length (1–max), still made of strange characters. */
const label = (max: number) =>
  fc.oneof(
    { arbitrary: fc.string({ unit, minLength: 1, maxLength: Math.min(max, 30) }), weight: 6 },
    { arbitrary: fc.constantFrom(...INJECTIONS.filter((s) => s.length <= max)), weight: 2 },
    { arbitrary: fc.constant('x'.repeat(max)), weight: 1 },
  );
/** Key fields of valid payloads (ids, providers, models) stay well-formed so that most calls reach the write path. */
const keyLabel = (max: number) => label(max).map(wellFormed);

// ---------------------------------------------------------------------------------------------- numbers

export const EDGE_NUMBERS = [
  -1,
  -0,
  0.5,
  1.5,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  2 ** 53,
  2 ** 53 + 2,
  2 ** 53 - 1,
  2 ** 63,
  -(2 ** 53),
  1e308,
  Number.MIN_VALUE,
  Number.EPSILON,
  1e21,
];
const NUMERIC_STRINGS = ['5', '0', '-1', '1e3', '0x10', ' 7', '', '١٢٣', 'Infinity', '9007199254740993'];
export const hostileNumber: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...EDGE_NUMBERS),
  fc.integer(),
  fc.double(),
  fc.constantFrom(...NUMERIC_STRINGS),
);
const validCount = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 1_000_000 }), weight: 8 },
  { arbitrary: fc.constantFrom(0, Number.MAX_SAFE_INTEGER), weight: 1 },
  { arbitrary: fc.maxSafeNat(), weight: 1 },
);

// ---------------------------------------------------------------------------------------------- time

export const BAD_TIMESTAMPS = [
  '2026-02-30T00:00:00Z',
  '2025-02-29T12:00:00Z',
  '2026-04-31T00:00:00Z',
  '2026-13-01T00:00:00Z',
  '2026-00-10T00:00:00Z',
  '2026-01-01T24:00:00Z',
  '2026-01-01T23:60:00Z',
  '2026-01-01T23:59:60Z',
  '2026-01-01',
  '2026-01-01T00:00:00',
  '2026-01-01 00:00:00Z',
  '2026-01-01T00:00:00+24:00',
  '2026-01-01T00:00:00+0500',
  'yesterday',
  '',
  'Z',
  '0000-01-01T00:00:00Z',
  '0000-12-31T23:59:59+01:00',
  '+275760-09-13T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '10000-01-01T00:00:00Z',
  'Thu, 01 Jan 2026 00:00:00 GMT',
  '2026-1-1T0:0:0Z',
  '２０２６-01-01T00:00:00Z',
  ' 2026-01-01T00:00:00Z',
  '2026-01-01T00:00:00Z\u0000',
];
const EDGE_VALID_TIMESTAMPS = [
  '2024-02-29T23:59:59.999Z',
  '2026-01-01T00:00:00+14:00',
  '2026-01-01T00:00:00-12:00',
  '2026-03-08T02:30:00-08:00',
  '2026-06-30T23:59:59.123456789Z',
  '0001-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '2026-01-01T05:30:00+05:30',
];
const someDate = fc.date({
  min: new Date('2020-01-01T00:00:00Z'),
  max: new Date('2030-12-31T23:59:59Z'),
  noInvalidDate: true,
});
export const validTimestamp = fc.oneof(
  { arbitrary: someDate.map((d) => d.toISOString()), weight: 6 },
  { arbitrary: fc.constantFrom(...EDGE_VALID_TIMESTAMPS), weight: 1 },
);
const BAD_DATES = [
  '2026-02-30',
  '2025-02-29',
  '2026-13-01',
  '2026-1-1',
  '0000-01-01',
  '20260101',
  ' 2026-01-01',
];
const validDate = someDate.map((d) => d.toISOString().slice(0, 10));

// ---------------------------------------------------------------------------------------------- ids and junk

const NIL_UUID = '00000000-0000-0000-0000-000000000000';
/** Runtime ids: random, other workspaces', the caller's (in either letter case), and hostile strings. */
export const hostileId = (ctx: FuzzContext) =>
  fc.oneof(
    fc.uuid(),
    fc.constantFrom(...ctx.foreign),
    fc.constantFrom(...ctx.own),
    fc.constantFrom(...ctx.own).map((id) => id.toUpperCase()),
    fc.constantFrom(...ctx.own).map((id) => `{${id}}`),
    fc.constantFrom(
      NIL_UUID,
      'ffffffff-ffff-ffff-ffff-ffffffffffff',
      '1 OR 1=1',
      "' OR ''='",
      `${NIL_UUID} `,
    ),
    hostileString,
  );

/** Objects whose `__proto__` / `constructor` keys are own properties, as JSON.parse builds them. */
export const PROTO_JSON = [
  '{"__proto__": {"polluted": true}}',
  '{"constructor": {"prototype": {"polluted": true}}}',
  '{"prototype": {"polluted": true}}',
  '{"__proto__": null}',
  '{"a": [{"__proto__": {"x": 1}}]}',
];
const nestedArrays = (depth: number) => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`) as unknown;
const nestedObjects = (depth: number) =>
  JSON.parse(`${'{"a":'.repeat(depth)}{}${'}'.repeat(depth)}`) as unknown;
const junk: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, undefined, true, false, 0),
  fc.constant([]).map(() => []),
  fc.constant({}).map(() => ({})),
  fc.constantFrom(5, 33, 200, 1000).chain((d) => fc.constantFrom(nestedArrays(d), nestedObjects(d))),
  fc.constantFrom(1001, 20_000).map((n) => new Array<number>(n).fill(0)),
  fc.constantFrom(...PROTO_JSON).map((json) => JSON.parse(json) as unknown),
  fc.jsonValue({ maxDepth: 3 }),
  fc.constantFrom('invalid', 'epoch').map((d) => new Date(d === 'epoch' ? 0 : Number.NaN)),
);
const ENUMS = ['local', 'cloud', 'queued', 'running', 'completed', 'failed', 'cancelled', 'LOCAL', 'Running'];

/** A value to put anywhere: hostile or valid-looking, so that some mutated payloads stay valid. */
export const replacement = (ctx: FuzzContext): fc.Arbitrary<unknown> =>
  fc.oneof(
    { arbitrary: hostileNumber, weight: 4 },
    { arbitrary: validCount, weight: 3 },
    { arbitrary: hostileString, weight: 4 },
    { arbitrary: label(64), weight: 2 },
    { arbitrary: fc.constantFrom(...BAD_TIMESTAMPS, ...BAD_DATES), weight: 2 },
    { arbitrary: fc.oneof(validTimestamp, validDate), weight: 2 },
    { arbitrary: hostileId(ctx), weight: 2 },
    { arbitrary: fc.constantFrom(...ENUMS), weight: 1 },
    { arbitrary: junk, weight: 3 },
  );

// ---------------------------------------------------------------------------------------------- valid payloads

const metadata = fc.dictionary(fc.string({ unit, maxLength: 12 }), fc.jsonValue({ maxDepth: 2 }), {
  maxKeys: 4,
  noNullPrototype: true,
});
const helloRuntime = fc.record(
  {
    provider: keyLabel(64),
    name: label(200),
    runtime_mode: fc.constantFrom('local', 'cloud'),
    metadata,
  },
  { requiredKeys: ['provider', 'name', 'runtime_mode'], noNullPrototype: true },
);
export const validHello = (ctx: FuzzContext) =>
  fc.record(
    {
      daemon_id: fc.oneof(fc.uuid(), fc.constantFrom(...ctx.daemonIds)),
      device_info: fc.oneof(label(500), fc.constant('')),
      runtimes: fc.oneof(
        {
          arbitrary: fc.uniqueArray(helloRuntime, {
            selector: (r) => r.provider,
            minLength: 1,
            maxLength: 3,
          }),
          weight: 20,
        },
        {
          arbitrary: fc.uniqueArray(helloRuntime, {
            selector: (r) => r.provider,
            minLength: 32,
            maxLength: 33,
          }),
          weight: 1,
        },
      ),
    },
    { noNullPrototype: true },
  );

/** Mostly the caller's runtime (in either letter case), else another workspace's or one that does not exist. */
const runtimeId = (ctx: FuzzContext) =>
  fc.oneof(
    { arbitrary: fc.constantFrom(...ctx.own), weight: 12 },
    { arbitrary: fc.constantFrom(...ctx.own).map((id) => id.toUpperCase()), weight: 1 },
    { arbitrary: fc.constantFrom(...ctx.foreign), weight: 1 },
    { arbitrary: fc.uuid(), weight: 1 },
  );

const usageEvent = fc.record(
  {
    id: keyLabel(200),
    ts: validTimestamp,
    provider: keyLabel(64),
    model: keyLabel(200),
    input_tokens: validCount,
    output_tokens: validCount,
    cache_read_tokens: validCount,
    cache_write_tokens: validCount,
    task_id: label(200),
  },
  {
    requiredKeys: [
      'id',
      'ts',
      'provider',
      'model',
      'input_tokens',
      'output_tokens',
      'cache_read_tokens',
      'cache_write_tokens',
    ],
    noNullPrototype: true,
  },
);
/** 1000 (the most a call may carry) or 1001 distinct events with small counts. */
const manyEvents = fc.tuple(usageEvent, fc.constantFrom(1000, 1001)).map(([e, n]) =>
  Array.from({ length: n }, (_, i) => ({
    ...e,
    id: `${i}-${e.id}`.slice(0, 200),
    input_tokens: i,
    output_tokens: 1,
    cache_read_tokens: 0,
    cache_write_tokens: 0,
  })),
);
export const validUsage = (ctx: FuzzContext) =>
  fc.record(
    {
      runtime_id: runtimeId(ctx),
      events: fc.oneof(
        { arbitrary: fc.array(usageEvent, { minLength: 1, maxLength: 5 }), weight: 80 },
        { arbitrary: manyEvents, weight: 1 },
      ),
    },
    { noNullPrototype: true },
  );

const task = fc.record(
  {
    id: keyLabel(200),
    status: fc.constantFrom('queued', 'running', 'completed', 'failed', 'cancelled'),
    created_at: validTimestamp,
    started_at: validTimestamp,
    completed_at: validTimestamp,
  },
  { requiredKeys: ['id', 'status', 'created_at'], noNullPrototype: true },
);
export const validTasks = (ctx: FuzzContext) =>
  fc.record(
    {
      runtime_id: runtimeId(ctx),
      tasks: fc.oneof(
        { arbitrary: fc.array(task, { minLength: 1, maxLength: 5 }), weight: 80 },
        {
          arbitrary: fc
            .tuple(task, fc.constantFrom(1000, 1001))
            .map(([t, n]) =>
              Array.from({ length: n }, (_, i) => ({ ...t, id: `${i}-${t.id}`.slice(0, 200) })),
            ),
          weight: 1,
        },
      ),
    },
    { noNullPrototype: true },
  );

const dailyEntry = fc.record(
  {
    date: validDate,
    provider: keyLabel(64),
    model: keyLabel(200),
    input_tokens: validCount,
    output_tokens: validCount,
    cache_read_tokens: validCount,
    cache_write_tokens: validCount,
  },
  { noNullPrototype: true },
);
export const validDailyTotals = fc.record(
  { entries: fc.array(dailyEntry, { minLength: 1, maxLength: 4 }) },
  { noNullPrototype: true },
);

// ---------------------------------------------------------------------------------------------- mutations

export type Mutation =
  | { op: 'replace'; at: number; value: unknown }
  | { op: 'delete'; at: number }
  | { op: 'addKey'; at: number; key: string; value: unknown }
  | { op: 'duplicate'; at: number }
  | { op: 'resize'; at: number; length: number }
  | { op: 'wrap'; at: number; inArray: boolean };

const EXTRA_KEYS = ['__proto__', 'constructor', 'prototype', 'extra', 'workspace_id', 'runtime_id', 'id', ''];

export const mutation = (ctx: FuzzContext): fc.Arbitrary<Mutation> =>
  fc.oneof(
    {
      arbitrary: fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: replacement(ctx) }),
      weight: 8,
    },
    { arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat() }), weight: 2 },
    {
      arbitrary: fc.record({
        op: fc.constant('addKey' as const),
        at: fc.nat(),
        key: fc.oneof(
          fc.constantFrom(...EXTRA_KEYS),
          hostileString.filter((s) => s.length < 100),
        ),
        value: replacement(ctx),
      }),
      weight: 3,
    },
    { arbitrary: fc.record({ op: fc.constant('duplicate' as const), at: fc.nat() }), weight: 1 },
    {
      arbitrary: fc.record({
        op: fc.constant('resize' as const),
        at: fc.nat(),
        length: fc.constantFrom(0, 2, 32, 33, 1000, 1001),
      }),
      weight: 1,
    },
    {
      arbitrary: fc.record({ op: fc.constant('wrap' as const), at: fc.nat(), inArray: fc.boolean() }),
      weight: 1,
    },
  );

type Path = (string | number)[];
const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);

/** Paths of the nodes of a JSON-like tree (a sample of long arrays, at most 6 deep). */
function nodes(value: unknown, path: Path = [], out: Path[] = []): Path[] {
  out.push(path);
  if (path.length >= 6) return out;
  if (Array.isArray(value)) {
    const picks = value.length <= 8 ? value.keys() : [0, 1, value.length - 1].values();
    for (const i of picks) nodes(value[i], [...path, i], out);
  } else if (isObject(value)) {
    for (const key of Object.keys(value)) nodes(value[key], [...path, key], out);
  }
  return out;
}

const get = (root: unknown, path: Path) =>
  path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], root);

/** Sets an own property, even one named `__proto__`. */
function setOwn(target: object, key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function put(root: unknown, path: Path, value: unknown): unknown {
  if (path.length === 0) return value;
  setOwn(get(root, path.slice(0, -1)) as object, path.at(-1)!, value);
  return root;
}

const bytes = (v: unknown) => (JSON.stringify(v) ?? '').length;

/** Applies mutations to a deep copy of a valid payload (the copy is what the wire would carry anyway). */
export function mutate(base: unknown, mutations: Mutation[]): unknown {
  let root: unknown = JSON.parse(JSON.stringify(base));
  for (const m of mutations) {
    const all = nodes(root);
    const path = all[m.at % all.length]!;
    const node = get(root, path);
    const parent = path.length > 0 ? get(root, path.slice(0, -1)) : undefined;
    const key = path.at(-1);
    switch (m.op) {
      case 'replace':
        // A copy: replacement values may be shared constants that a later mutation would change.
        root = put(root, path, structuredClone(m.value));
        break;
      case 'delete':
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else if (isObject(parent)) delete parent[key as string];
        else root = undefined;
        break;
      case 'addKey': {
        const target = isObject(node) ? node : isObject(parent) ? parent : undefined;
        if (!target) break;
        // Built by JSON.parse, as the hub's decoder builds it: `__proto__` becomes an own key.
        const inner = JSON.stringify(target).slice(1, -1);
        const extra = `${JSON.stringify(m.key)}:${JSON.stringify(m.value) ?? 'null'}`;
        const rebuilt = JSON.parse(`{${inner}${inner ? ',' : ''}${extra}}`) as unknown;
        root = put(root, target === node ? path : path.slice(0, -1), rebuilt);
        break;
      }
      case 'duplicate':
        if (Array.isArray(parent)) parent.push(JSON.parse(JSON.stringify(node ?? null)));
        else if (Array.isArray(node) && node.length > 0) node.push(JSON.parse(JSON.stringify(node[0])));
        break;
      case 'resize': {
        const list = Array.isArray(node) ? node : Array.isArray(parent) ? parent : undefined;
        if (!list || (list.length > 0 && bytes(list[0]) * m.length > 600_000)) break;
        const template = list[0] ?? null;
        const grown = Array.from({ length: m.length }, (_, i) => {
          const copy = JSON.parse(JSON.stringify(template)) as unknown;
          if (isObject(copy) && typeof copy.id === 'string') copy.id = `${i}-${copy.id}`.slice(0, 200);
          return copy;
        });
        list.splice(0, list.length, ...grown);
        break;
      }
      case 'wrap':
        root = put(root, path, m.inArray ? [node] : { value: node });
        break;
    }
  }
  return root;
}

/** A valid payload with zero to three mutations (zero keeps the accepting side of the oracle exercised). */
export const mutated = (base: fc.Arbitrary<unknown>, ctx: FuzzContext) =>
  fc.tuple(base, fc.array(mutation(ctx), { maxLength: 3 })).map(([b, ms]) => mutate(b, ms));

/** Payloads of every other shape: not objects, arrays of payloads, junk. */
export const notAPayload = (ctx: FuzzContext) => fc.oneof(junk, hostileString, hostileNumber, hostileId(ctx));

// ---------------------------------------------------------------------------------------------- the daemon oracle

export type Expected = { ok: true; accepted: number } | { ok: false; code: ErrorCode };
export type DaemonCall = 'hello' | 'usage' | 'task' | 'daily_totals';

const refused = (code: ErrorCode): Expected => ({ ok: false, code });

/** Strings Postgres refuses (NUL in text, NUL or lone surrogates in jsonb) or years it has no 0000 for. */
const hasNul = (s: string | undefined) => s?.includes('\u0000') ?? false;
const yearZero = (s: string | undefined) => s?.startsWith('0000') ?? false;
function jsonbRefuses(value: unknown): boolean {
  if (typeof value === 'string') return hasNul(value) || hasLoneSurrogate(value);
  if (Array.isArray(value)) return value.some(jsonbRefuses);
  if (isObject(value)) return Object.entries(value).some(([k, v]) => jsonbRefuses(k) || jsonbRefuses(v));
  return false;
}

/**
 * What the hub must answer to a daemon call whose payload, as the hub decodes it, is `wire`: the shared schema
 * decides, then the hub's own rules in the order it applies them (one provider per hello; the runtime must be the
 * caller's; Postgres refuses some values the schema allows). `own` holds the caller's runtime ids (lower case).
 */
export function expectedDaemonAnswer(
  call: DaemonCall,
  wire: unknown,
  own: ReadonlySet<string>,
  pathRuntimeId?: string,
): Expected {
  const owned = (id: string) => own.has(id.toLowerCase());
  switch (call) {
    case 'hello': {
      const parsed = HelloPayload.safeParse(wire);
      if (!parsed.success) return refused('invalid_payload');
      const { device_info, runtimes } = parsed.data;
      if (new Set(runtimes.map((r) => r.provider)).size !== runtimes.length)
        return refused('invalid_payload');
      const unstorable =
        hasNul(device_info) ||
        runtimes.some(
          (r) => hasNul(r.provider) || hasNul(r.name) || (r.metadata && jsonbRefuses(r.metadata)),
        );
      return unstorable ? refused('invalid_payload') : { ok: true, accepted: runtimes.length };
    }
    case 'usage': {
      const parsed = UsagePayload.safeParse(wire);
      if (!parsed.success) return refused('invalid_payload');
      if (!owned(parsed.data.runtime_id)) return refused('not_found');
      const { events } = parsed.data;
      const unstorable = events.some(
        (e) => hasNul(e.id) || hasNul(e.provider) || hasNul(e.model) || hasNul(e.task_id) || yearZero(e.ts),
      );
      return unstorable ? refused('invalid_payload') : { ok: true, accepted: events.length };
    }
    case 'task': {
      const parsed = TaskPayload.safeParse(wire);
      if (!parsed.success) return refused('invalid_payload');
      if (!owned(parsed.data.runtime_id)) return refused('not_found');
      const { tasks } = parsed.data;
      const unstorable = tasks.some(
        (t) => hasNul(t.id) || yearZero(t.created_at) || yearZero(t.started_at) || yearZero(t.completed_at),
      );
      return unstorable ? refused('invalid_payload') : { ok: true, accepted: tasks.length };
    }
    case 'daily_totals': {
      if (!RuntimeId.safeParse(pathRuntimeId).success) return refused('not_found');
      const parsed = DailyTotalsPayload.safeParse(wire);
      if (!parsed.success) return refused('invalid_payload');
      if (!owned(pathRuntimeId!)) return refused('not_found');
      const { entries } = parsed.data;
      const unstorable = entries.some((e) => hasNul(e.provider) || hasNul(e.model) || yearZero(e.date));
      return unstorable ? refused('invalid_payload') : { ok: true, accepted: entries.length };
    }
  }
}

/** True when Fastify's JSON parser (secure-json-parse) refuses the body: an own `__proto__` or `constructor.prototype`. */
export function hasPoisonedKey(value: unknown): boolean {
  // Iterative: hostile bodies nest deeper than the stack.
  const stack = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) stack.push(...v);
    else if (isObject(v)) {
      if (Object.hasOwn(v, '__proto__')) return true;
      const ctor = Object.hasOwn(v, 'constructor') ? v.constructor : undefined;
      if (isObject(ctor) && Object.hasOwn(ctor, 'prototype')) return true;
      stack.push(...Object.values(v));
    }
  }
  return false;
}

// ---------------------------------------------------------------------------------------------- REST reads

export interface QueryPair {
  key: string;
  /** Undefined sends the key alone (`?days`). */
  value: string | undefined;
}

const TZ_NAMES = [
  'UTC',
  'utc',
  'Etc/UTC',
  'GMT',
  'Asia/Kolkata',
  'Asia/Calcutta',
  'Asia/Kathmandu',
  'Australia/Lord_Howe',
  'America/St_Johns',
  'Pacific/Kiritimati',
  'Pacific/Pago_Pago',
  'US/Pacific',
  'EST5EDT',
  'EST',
  'Europe/Kyiv',
  'Etc/GMT+12',
  'Etc/GMT-14',
  'America/Argentina/ComodRivadavia',
];
const BAD_TZ = [
  '+05:00',
  'UTC+5',
  'localtime',
  'posixrules',
  'Factory',
  'Mars/Olympus_Mons',
  '',
  '\u0000',
  'Z',
];
const DAYS = [
  '1',
  '90',
  '365',
  '0',
  '366',
  '999',
  '1000',
  '-1',
  '+5',
  '5.0',
  ' 5',
  '1e2',
  '0x10',
  '٣',
  '',
  '007',
  '00090',
];
const FORMATS = ['json', 'csv', 'CSV', 'xml', '', 'json ', 'csv\u0000'];

const queryValue = (key: string) => {
  const pool =
    key === 'days' ? DAYS : key === 'format' ? FORMATS : key === 'tz' ? [...TZ_NAMES, ...BAD_TZ] : INJECTIONS;
  const known = fc.constantFrom(...pool);
  const zone = key === 'tz' ? fc.mixedCase(fc.constantFrom(...TZ_NAMES)) : known;
  return fc.option(
    fc.oneof(
      { arbitrary: known, weight: 6 },
      { arbitrary: zone, weight: 2 },
      { arbitrary: hostileString.filter((s) => s.length < 300), weight: 2 },
    ),
    {
      nil: undefined,
      freq: 12,
    },
  );
};
const queryPair: fc.Arbitrary<QueryPair> = fc
  .oneof(
    { arbitrary: fc.constantFrom('days', 'tz', 'format'), weight: 8 },
    { arbitrary: fc.constantFrom('__proto__', 'constructor', 'Days', 'days[]', 'tz ', ''), weight: 1 },
    { arbitrary: hostileString.filter((s) => s.length < 50), weight: 1 },
  )
  .chain((key) => queryValue(key).map((value) => ({ key, value })));
export const queryPairs = fc.array(queryPair, { maxLength: 4 });

/** The query string of some pairs; every key and value is percent-encoded (lone surrogates cannot be). */
export function queryString(pairs: QueryPair[]): string {
  const enc = (s: string) => encodeURIComponent(wellFormed(s));
  return pairs.map((p) => (p.value === undefined ? enc(p.key) : `${enc(p.key)}=${enc(p.value)}`)).join('&');
}

/** The query object a route sees: a repeated key becomes an array, a key alone has the value ''. */
export function parsedQuery(pairs: QueryPair[]): Record<string, string | string[]> {
  const out = Object.create(null) as Record<string, string | string[]>;
  for (const { key, value } of pairs) {
    const k = wellFormed(key);
    const v = wellFormed(value ?? '');
    const seen = out[k];
    setOwn(out, k, seen === undefined ? v : Array.isArray(seen) ? [...seen, v] : [seen, v]);
  }
  return out;
}

/** A zone name (at most 64 characters: none is longer) that Intl knows. */
function intlKnows(tz: string): boolean {
  if (tz.length === 0 || tz.length > 64) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * What a history query must get before the runtime is looked at: 400 when the shared HistoryQuery refuses it or
 * its zone is unknown (to Intl, or to Postgres: `postgresKnows`), else the parsed `format`.
 */
export function historyQueryVerdict(
  pairs: QueryPair[],
  postgresKnows: (tz: string) => boolean,
): { schema: 'invalid' } | { schema: 'ok'; zone: 'invalid' | 'ok'; format: 'json' | 'csv' } {
  const parsed = HistoryQuery.safeParse(parsedQuery(pairs));
  if (!parsed.success) return { schema: 'invalid' };
  const zoneOk = intlKnows(parsed.data.tz) && postgresKnows(parsed.data.tz);
  return { schema: 'ok', zone: zoneOk ? 'ok' : 'invalid', format: parsed.data.format };
}

/** Runtime ids for paths: the caller's, others', random uuids and hostile strings (some past 100 characters). */
export const pathId = (ctx: FuzzContext) =>
  fc.oneof(
    { arbitrary: hostileId(ctx).filter((s) => s.length <= 100), weight: 8 },
    { arbitrary: fc.constantFrom('', '..', '.', '%', '%2F', 'a/b', '?x=1', '#frag'), weight: 1 },
    { arbitrary: fc.constantFrom(101, 150).map((n) => 'a'.repeat(n)), weight: 1 },
  );

/** Authorization header values that must all be refused (printable ASCII only, as fetch allows). */
export const hostileAuthorization = (tokens: string[]) =>
  fc.oneof(
    fc.constantFrom(...tokens).map((t) => `bearer ${t}`),
    fc.constantFrom(...tokens).map((t) => `Bearer  ${t}`),
    fc.constantFrom(...tokens).map((t) => `Bearer ${t.slice(0, -1)}`),
    fc.constantFrom(...tokens).map((t) => `Bearer ${t}x`),
    fc.constantFrom(...tokens).map((t) => `Basic ${Buffer.from(`${t}:`).toString('base64')}`),
    fc.constantFrom(...tokens).map((t) => `Bearer ${t.toUpperCase()}`),
    fc.constantFrom(...tokens).map((t) => t),
    fc.constantFrom(
      'Bearer',
      'Bearer ',
      'Bearer null',
      'Bearer undefined',
      `Bearer ${'a'.repeat(201)}`,
      "Bearer ' OR 1=1 --",
    ),
    fc.string({ unit: 'grapheme-ascii', maxLength: 300 }).map((s) => s.replace(/[\r\n]/g, '')),
  );

// ---------------------------------------------------------------------------------------------- checks of answers

/** Every string of a value, keys included: what an error message may legitimately echo. */
export function inputStrings(value: unknown, out: string[] = [], depth = 0): string[] {
  if (typeof value === 'string') out.push(value);
  else if (depth < 40 && Array.isArray(value)) for (const v of value) inputStrings(v, out, depth + 1);
  else if (depth < 40 && isObject(value))
    for (const [k, v] of Object.entries(value)) {
      out.push(k);
      inputStrings(v, out, depth + 1);
    }
  return out;
}

const UNSAFE: [RegExp, string][] = [
  // "at least 1" is fine; "    at fn (file.js:1:2)" is a stack frame.
  [/^\s*at\s|\bat\s+[\w$.<>]+\s+\(|\(\S+:\d+:\d+\)/m, 'a stack frame'],
  [
    /file:\/\/|node_modules|\/(?:work|home|usr|tmp|app|srv)\/|\.(?:ts|js|mjs|cjs):\d+|[A-Za-z]:\\/,
    'a file path',
  ],
  [/\b(?:SELECT|INSERT|UPDATE|DELETE|FROM|WHERE|RETURNING|CONFLICT)\b/, 'SQL'],
  [
    /relation\s|syntax error|duplicate key|violates|SQLSTATE|column "|pg_|invalid input syntax|out of range|unnest/i,
    'a database error',
  ],
  [
    /\b(?:TypeError|RangeError|SyntaxError|ReferenceError|Error):|Cannot read propert|is not a function|undefined is not/,
    'a JavaScript error',
  ],
];

/**
 * Why an error message is not safe to show (a stack frame, a file path, SQL, a driver or runtime error), or
 * undefined. What the caller sent may be echoed: those strings (raw or JSON-escaped, whole or cut short at the
 * end of the message) are taken out before looking.
 */
export function unsafeMessage(message: unknown, inputs: string[] = []): string | undefined {
  if (typeof message !== 'string' || message.length === 0) return 'no message';
  let own = message;
  const echoes = [...new Set(inputs.filter((s) => s.length >= 3 && s.length < 100_000))]
    .flatMap((s) => [s, JSON.stringify(s).slice(1, -1)])
    .sort((a, b) => b.length - a.length);
  for (const s of echoes) if (own.includes(s)) own = own.split(s).join('');
  // The hub cuts long messages: an echo may end the message half-way.
  if (message.length >= 300) {
    const cut = echoes.find((s) => {
      for (let k = Math.min(s.length, own.length); k >= 3; k--) if (own.endsWith(s.slice(0, k))) return true;
      return false;
    });
    if (cut)
      for (let k = Math.min(cut.length, own.length); k >= 3; k--)
        if (own.endsWith(cut.slice(0, k))) {
          own = own.slice(0, -k);
          break;
        }
  }
  return UNSAFE.find(([pattern]) => pattern.test(own))?.[1];
}

/**
 * Row counts and token sums of every table a daemon can write, and when tasks and runtimes last changed (an upsert
 * that changes a row sets its updated_at): equal before and after means nothing was written.
 */
export const ROW_DIGEST_SQL = `SELECT
  (SELECT count(*)::int FROM usage_events) AS usage_events,
  (SELECT coalesce(sum(input_tokens::numeric + output_tokens + cache_read_tokens + cache_write_tokens), 0)::text
     FROM usage_events) AS usage_events_sum,
  (SELECT count(*)::int FROM usage_hourly) AS usage_hourly,
  (SELECT coalesce(sum(input_tokens::numeric + output_tokens + cache_read_tokens + cache_write_tokens), 0)::text
     FROM usage_hourly) AS usage_hourly_sum,
  (SELECT count(*)::int FROM usage_daily_totals) AS usage_daily_totals,
  (SELECT coalesce(sum(input_tokens::numeric + output_tokens + cache_read_tokens + cache_write_tokens), 0)::text
     FROM usage_daily_totals) AS usage_daily_totals_sum,
  (SELECT count(*)::int FROM tasks) AS tasks,
  (SELECT max(updated_at)::text FROM tasks) AS tasks_changed,
  (SELECT count(*)::int FROM runtimes) AS runtimes,
  (SELECT max(updated_at)::text FROM runtimes) AS runtimes_changed,
  (SELECT coalesce(sum(usage_version), 0)::text FROM runtimes) AS usage_versions`;

const NEXT_XID_SQL = 'SELECT pg_snapshot_xmax(pg_current_snapshot())::text AS x';
const WRITTEN_BY_SQL = `SELECT
  (SELECT count(*) FROM usage_events WHERE xmin::text = ANY($1)) + (SELECT count(*) FROM usage_hourly WHERE xmin::text = ANY($1))
  + (SELECT count(*) FROM usage_daily_totals WHERE xmin::text = ANY($1)) + (SELECT count(*) FROM tasks WHERE xmin::text = ANY($1))
  + (SELECT count(*) FROM runtimes WHERE xmin::text = ANY($1)) + (SELECT count(*) FROM tokens WHERE xmin::text = ANY($1))
  + (SELECT count(*) FROM workspaces WHERE xmin::text = ANY($1)) AS n`;

/**
 * Runs `work` and counts the rows that transactions committed meanwhile wrote (inserted or updated: each such row
 * version carries its transaction id as xmin). Cheap when nothing committed, which is the usual answer; exact when
 * something did (autovacuum, say) because only rows of ours stamped by those transactions count. Other writers of
 * the database (presence heartbeats) must be quiet meanwhile.
 */
export async function rowsWrittenWhile<T>(
  db: { query<R>(text: string, params?: unknown[]): Promise<R[]> },
  work: () => Promise<T>,
): Promise<[T, number]> {
  const [from] = await db.query<{ x: string }>(NEXT_XID_SQL);
  const result = await work();
  const [to] = await db.query<{ x: string }>(NEXT_XID_SQL);
  if (from!.x === to!.x) return [result, 0];
  const committed = await db.query<{ x: string }>(
    `SELECT g::text AS x FROM generate_series($1::bigint, $2::bigint - 1) AS g
     WHERE pg_xact_status(g::text::xid8) = 'committed'`,
    [from!.x, to!.x],
  );
  if (committed.length === 0) return [result, 0];
  const xids = committed.map((c) => String(BigInt(c.x) % 2n ** 32n));
  const [written] = await db.query<{ n: number }>(WRITTEN_BY_SQL, [xids]);
  return [result, Number(written!.n)];
}

/**
 * fc.assert options: `numRuns`, and a report cut to a readable length (counterexamples hold megabyte strings).
 */
export function fuzzRuns(numRuns: number): fc.Parameters<unknown> {
  return {
    numRuns,
    reporter: (details) => {
      if (!details.failed) return;
      const message = fc.defaultReportMessage(details) ?? 'property failed';
      const cause = details.errorInstance instanceof Error ? `\n${details.errorInstance.message}` : '';
      throw new Error(`${message.slice(0, 3_000)}${cause.slice(0, 3_000)}`);
    },
  };
}
