/**
 * What the hub must answer, decided from the shared schemas alone: the daemon oracle and hostile REST reads.
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
} from '../../../shared';
import { isObject, setOwn } from './payloads';
import {
  type FuzzContext,
  hasLoneSurrogate,
  hostileId,
  hostileString,
  INJECTIONS,
  wellFormed,
} from './values';

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
