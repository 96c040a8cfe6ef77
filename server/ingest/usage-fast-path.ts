/**
 * A fast path for validating a `usage` call: the common payload (a daemon's own, as JSON.parse made it) is checked
 * by hand in a few microseconds instead of zod's ~10 per event, and handed on as it came, without a copy. The
 * shared zod schema stays the only definition of what is valid: each field's check is built from its schema (kind
 * and limits read from it, nothing restated here), and this accepts a strict subset of what
 * `UsagePayload` accepts and returns exactly what it would return (tests/fuzz/usage-fast-path.test.ts compares
 * the two on generated and mutated payloads). Anything else — an error, an unusual but valid spelling (an offset
 * timestamp, a surrogate pair, more than millisecond precision) — answers undefined and zod decides, so refusals
 * keep zod's messages.
 */
import { z } from 'zod';
import { Timestamp, UsageEvent, UsagePayload } from '../../shared';

/** Any surrogate: a label holding one goes to zod (which refuses lone surrogates and keeps pairs). */
const SURROGATE = /[\uD800-\uDFFF]/;
/**
 * A UTC instant as `Date.prototype.toISOString` spells it (whole seconds or up to milliseconds): zod accepts it,
 * and `toUtcTimestamp` returns it unchanged, for every real calendar date from 1970.
 */
const UTC_INSTANT =
  /^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,3})?Z$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;

/** The decimal number of `s`'s digits from `start` to `end` (the pattern already matched them as digits). */
function digits(s: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) n = n * 10 + s.charCodeAt(i) - 48;
  return n;
}

function isInstant(v: unknown): boolean {
  // A test and the digits read in place: no match array, no substrings (one event's timestamp used to allocate four).
  if (typeof v !== 'string' || !UTC_INSTANT.test(v)) return false;
  const year = digits(v, 0, 4);
  const month = digits(v, 5, 7);
  const day = digits(v, 8, 10);
  if (year < 1970) return false;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= DAYS_IN_MONTH[month - 1]! + (leap ? 1 : 0);
}

type Check = (v: unknown) => boolean;
/** A field of a kind this path does not know: every value goes to zod. */
const UNKNOWN_KIND: Check = () => false;

/**
 * The check of one field, built from its schema (kind and limits), so the limits are written once, in shared/.
 * Only the kinds a usage event uses are known; a new kind sends its calls to zod until it is taught here.
 */
function checkOf(field: z.ZodType): Check {
  if (field === Timestamp) return isInstant;
  if (field instanceof z.ZodString) {
    const min = field.minLength ?? 0;
    const max = field.maxLength ?? Number.POSITIVE_INFINITY;
    return (v) =>
      typeof v === 'string' &&
      v.length >= min &&
      v.length <= max &&
      !v.includes('\u0000') &&
      !SURROGATE.test(v);
  }
  if (field instanceof z.ZodNumber) {
    const min = field.minValue ?? Number.NEGATIVE_INFINITY;
    const max = field.maxValue ?? Number.POSITIVE_INFINITY;
    const int = field.isInt;
    return (v) => typeof v === 'number' && (!int || Number.isInteger(v)) && v >= min && v <= max;
  }
  if (field instanceof z.ZodEnum) {
    const options = new Set<unknown>(field.options);
    return (v) => options.has(v);
  }
  return UNKNOWN_KIND;
}

/** Per field of `UsageEvent`: its check and whether it must be present. */
const FIELDS = new Map(
  Object.entries(UsageEvent.shape).map(([key, schema]: [string, z.ZodType]) => {
    const optional = schema instanceof z.ZodOptional;
    return [key, { check: checkOf(optional ? (schema.unwrap() as z.ZodType) : schema), required: !optional }];
  }),
);
const REQUIRED = [...FIELDS.values()].filter((f) => f.required).length;

/** The most events a call may hold, read from the schema's `events` array (none known: every call goes to zod). */
const MAX_EVENTS = (() => {
  for (const c of UsagePayload.shape.events.def.checks ?? []) {
    const def = c._zod.def as { check: string; maximum?: number };
    if (def.check === 'max_length' && def.maximum !== undefined) return def.maximum;
  }
  return 0;
})();

/** True when zod's `UsageEvent` would accept `e` and return an equal object. */
function isPlainEvent(e: unknown): e is UsageEvent {
  if (!isPlainObject(e)) return false;
  let required = 0;
  for (const key in e) {
    const field = FIELDS.get(key);
    if (!field?.check(e[key])) return false;
    if (field.required) required++;
  }
  if (required !== REQUIRED) return false;
  // The schema's one cross-field rule (a refinement, which carries no limits to read).
  const oneHour = e.cache_write_1h_tokens;
  return oneHour === undefined || (oneHour as number) <= (e.cache_write_tokens as number);
}

/** The payload as `UsagePayload.parse` would return it, or undefined: let zod decide (and word a refusal). */
export function fastUsagePayload(payload: unknown): UsagePayload | undefined {
  if (!isPlainObject(payload)) return undefined;
  let keys = 0;
  for (const key in payload) {
    if (key !== 'runtime_id' && key !== 'events') return undefined;
    keys++;
  }
  const { runtime_id: runtimeId, events } = payload;
  if (keys !== 2 || typeof runtimeId !== 'string' || !z.regexes.guid.test(runtimeId)) return undefined;
  if (!Array.isArray(events) || events.length < 1 || events.length > MAX_EVENTS) return undefined;
  for (const e of events) if (!isPlainEvent(e)) return undefined;
  return { runtime_id: runtimeId.toLowerCase(), events: events as UsageEvent[] };
}
