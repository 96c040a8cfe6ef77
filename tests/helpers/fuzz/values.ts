/**
 * Hostile values for the fuzz suites: strings, numbers, timestamps, ids and junk, and the fuzzing context.
 */
import fc from 'fast-check';

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
export const unit = fc.oneof(
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
export const label = (max: number) =>
  fc.oneof(
    { arbitrary: fc.string({ unit, minLength: 1, maxLength: Math.min(max, 30) }), weight: 6 },
    { arbitrary: fc.constantFrom(...INJECTIONS.filter((s) => s.length <= max)), weight: 2 },
    { arbitrary: fc.constant('x'.repeat(max)), weight: 1 },
  );
/** Key fields of valid payloads (ids, providers, models) stay well-formed so that most calls reach the write path. */
export const keyLabel = (max: number) => label(max).map(wellFormed);

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
export const validCount = fc.oneof(
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
export const validDate = someDate.map((d) => d.toISOString().slice(0, 10));

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
export const junk: fc.Arbitrary<unknown> = fc.oneof(
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
