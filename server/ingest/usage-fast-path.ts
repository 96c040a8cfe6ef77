/**
 * A fast path for validating a `usage` call: the common payload (a daemon's own, as JSON.parse made it) is checked
 * by hand in a few microseconds instead of zod's ~10 per event, and handed on as it came, without a copy. The
 * shared zod schema stays the only definition of what is valid: this accepts a strict subset of what
 * `UsagePayload` accepts and returns exactly what it would return (tests/fuzz/usage-fast-path.test.ts compares
 * the two on generated and mutated payloads). Anything else — an error, an unusual but valid spelling (an offset
 * timestamp, a surrogate pair, more than millisecond precision) — answers undefined and zod decides, so refusals
 * keep zod's messages.
 */
import type { UsageEvent, UsagePayload } from '../../shared';

const GUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
/** Any surrogate: a label holding one goes to zod (which refuses lone surrogates and keeps pairs). */
const SURROGATE = /[\uD800-\uDFFF]/;
/**
 * A UTC instant as `Date.prototype.toISOString` spells it (whole seconds or up to milliseconds): zod accepts it,
 * and `toUtcTimestamp` returns it unchanged, for every real calendar date from 1970.
 */
const UTC_INSTANT =
  /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,3})?Z$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;

const isLabel = (v: unknown, max: number): boolean =>
  typeof v === 'string' && v.length >= 1 && v.length <= max && !v.includes('\u0000') && !SURROGATE.test(v);

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

function isInstant(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  const m = UTC_INSTANT.exec(v);
  if (!m) return false;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (year < 1970) return false;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= DAYS_IN_MONTH[month - 1]! + (leap ? 1 : 0);
}

/** True when zod's `UsageEvent` would accept `e` and return an equal object. */
function isPlainEvent(e: unknown): e is UsageEvent {
  if (!isPlainObject(e)) return false;
  let required = 0;
  for (const key in e) {
    const v = e[key];
    switch (key) {
      case 'id':
      case 'model':
        if (!isLabel(v, 200)) return false;
        required++;
        break;
      case 'provider':
        if (!isLabel(v, 64)) return false;
        required++;
        break;
      case 'ts':
        if (!isInstant(v)) return false;
        required++;
        break;
      case 'input_tokens':
      case 'output_tokens':
      case 'cache_read_tokens':
      case 'cache_write_tokens':
        if (!isCount(v)) return false;
        required++;
        break;
      case 'task_id':
      case 'project':
      case 'session_id':
      case 'user':
        if (!isLabel(v, 200)) return false;
        break;
      case 'cache_write_1h_tokens':
        if (!isCount(v)) return false;
        break;
      case 'speed':
        if (v !== 'standard' && v !== 'fast') return false;
        break;
      case 'cost_usd':
        if (typeof v !== 'number' || !(v >= 0 && v <= 1e6)) return false;
        break;
      default:
        return false;
    }
  }
  if (required !== 8) return false;
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
  if (keys !== 2 || typeof runtimeId !== 'string' || !GUID.test(runtimeId)) return undefined;
  if (!Array.isArray(events) || events.length < 1 || events.length > 1000) return undefined;
  for (const e of events) if (!isPlainEvent(e)) return undefined;
  return { runtime_id: runtimeId.toLowerCase(), events: events as UsageEvent[] };
}
